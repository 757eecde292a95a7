/** Network helpers for the conformance suite. */
import fs from 'node:fs/promises';
import net from 'node:net';

/** A TCP port free on both 127.0.0.1 and ::1 right now. */
export async function freeLoopbackPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await listenAndClose('127.0.0.1', 0);
    if (port !== undefined && (await listenAndClose('::1', port)) !== undefined) return port;
  }
  throw new Error('no free loopback port found');
}

function listenAndClose(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * Local addresses with a TCP socket listening on `port`, from /proc/net/tcp
 * and tcp6; undefined when this machine has no /proc/net/tcp to read.
 */
export async function listeningAddresses(port: number): Promise<string[] | undefined> {
  const found: string[] = [];
  let readable = false;
  for (const [file, v6] of [['/proc/net/tcp', false], ['/proc/net/tcp6', true]] as const) {
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    readable = true;
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue; // 0A = LISTEN
      const [hexAddress, hexPort] = local.split(':');
      if (!hexAddress || parseInt(hexPort ?? '', 16) !== port) continue;
      found.push(v6 ? decodeIpv6(hexAddress) : decodeIpv4(hexAddress));
    }
  }
  return readable ? found : undefined;
}

/** /proc/net/tcp stores the address as host-order (little-endian) 32-bit words. */
function wordBytes(hex: string): number[] {
  return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

function decodeIpv4(hex: string): string {
  return wordBytes(hex).join('.');
}

function decodeIpv6(hexAddress: string): string {
  const bytes = [0, 8, 16, 24].flatMap((i) => wordBytes(hexAddress.slice(i, i + 8)));
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // RFC 5952: the longest run (≥ 2) of zero groups becomes "::".
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.length < 2) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
