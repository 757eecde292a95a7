/**
 * IPv4/IPv6 addresses and CIDR blocks for the IpAddress condition operators. Every address is held as
 * 128 bits (four 32-bit words); IPv4 is mapped into ::ffff:0:0/96 so `::ffff:127.0.0.1` and `127.0.0.1`
 * are the same address and either form matches either form of CIDR.
 */
export type Address128 = readonly [number, number, number, number];

export interface CidrBlock {
  readonly network: Address128;
  /** Prefix length in the 128-bit space (an IPv4 /8 is a /104 here). */
  readonly prefixLength: number;
}

const IPV4_MAPPED_PREFIX_WORD = 0xffff;
const IPV4_PREFIX_OFFSET = 96;

export function parseIpAddress(text: string): Address128 | undefined {
  if (text.includes(':')) return parseIpv6(text);
  const ipv4 = parseIpv4(text);
  return ipv4 === undefined ? undefined : [0, 0, IPV4_MAPPED_PREFIX_WORD, ipv4];
}

/** A CIDR block, or a bare address as a single-address block. */
export function parseCidr(text: string): CidrBlock | undefined {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const address = parseIpAddress(addressText);
  if (address === undefined) return undefined;
  const isIpv4 = !addressText.includes(':');
  const maximum = isIpv4 ? 32 : 128;
  let prefixLength = maximum;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return undefined;
    prefixLength = Number(prefixText);
    if (prefixLength > maximum) return undefined;
  }
  if (isIpv4) prefixLength += IPV4_PREFIX_OFFSET;
  return { network: maskAddress(address, prefixLength), prefixLength };
}

export function cidrContains(block: CidrBlock, address: Address128): boolean {
  const masked = maskAddress(address, block.prefixLength);
  return (
    masked[0] === block.network[0] &&
    masked[1] === block.network[1] &&
    masked[2] === block.network[2] &&
    masked[3] === block.network[3]
  );
}

function maskAddress(address: Address128, prefixLength: number): Address128 {
  const words = address.map((word, index) => {
    const bitsInWord = Math.min(32, Math.max(0, prefixLength - index * 32));
    if (bitsInWord === 0) return 0;
    if (bitsInWord === 32) return word;
    return (word & (~0 << (32 - bitsInWord))) >>> 0;
  });
  return [words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 0];
}

/** Dotted quad without leading zeros (which some parsers read as octal) → 32-bit number. */
function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** RFC 4291 text forms: `::` compression and a trailing dotted quad; zone ids (`%eth0`) are refused. */
function parseIpv6(text: string): Address128 | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseHextets(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? parseHextets(halves[1] ?? '', true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const hextets = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const words: number[] = [];
  for (let index = 0; index < 8; index += 2) words.push((((hextets[index] ?? 0) << 16) | (hextets[index + 1] ?? 0)) >>> 0);
  return [words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 0];
}

/** Colon-separated hex groups; the last may be a dotted quad (two groups) when `mayEndWithIpv4`. */
function parseHextets(text: string, mayEndWithIpv4: boolean): number[] | undefined {
  if (text === '') return [];
  const groups = text.split(':');
  const hextets: number[] = [];
  for (let index = 0; index < groups.length; index++) {
    const group = groups[index] ?? '';
    if (mayEndWithIpv4 && index === groups.length - 1 && group.includes('.')) {
      const ipv4 = parseIpv4(group);
      if (ipv4 === undefined) return undefined;
      hextets.push(Math.floor(ipv4 / 0x10000), ipv4 % 0x10000);
    } else if (/^[0-9A-Fa-f]{1,4}$/.test(group)) {
      hextets.push(parseInt(group, 16));
    } else {
      return undefined;
    }
  }
  return hextets;
}
