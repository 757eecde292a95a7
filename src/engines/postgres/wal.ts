/**
 * PostgreSQL WAL arithmetic: LSNs, segment file names, timelines. Pure.
 *
 * A segment file name is TTTTTTTTXXXXXXXXYYYYYYYY: timeline, then the segment
 * number split into "log" (segno / segments-per-4GiB) and "seg" (the rest).
 */

/** `16/B374D848` → byte position. */
export function parseLsn(lsn: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
  if (!match) throw new Error(`not a PostgreSQL LSN: ${JSON.stringify(lsn)}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export function formatLsn(position: bigint): string {
  return `${(position >> 32n).toString(16).toUpperCase()}/${(position & 0xffffffffn).toString(16).toUpperCase()}`;
}

const hex8 = (n: bigint) => n.toString(16).toUpperCase().padStart(8, '0');

function segmentsPerId(segmentSize: number): bigint {
  if (!Number.isInteger(segmentSize) || segmentSize <= 0 || (segmentSize & (segmentSize - 1)) !== 0) {
    throw new Error(`invalid WAL segment size ${segmentSize}`);
  }
  return 0x100000000n / BigInt(segmentSize);
}

export function walFileName(timeline: number, segno: bigint, segmentSize: number): string {
  const perId = segmentsPerId(segmentSize);
  return `${hex8(BigInt(timeline))}${hex8(segno / perId)}${hex8(segno % perId)}`;
}

export const WAL_SEGMENT_NAME = /^[0-9A-F]{24}$/;
export const TIMELINE_HISTORY_NAME = /^[0-9A-F]{8}\.history$/;

export interface WalSegment {
  timeline: number;
  segno: bigint;
}

/** Timeline and segment number of a segment name (also the prefix of `.partial` / `.backup` names). */
export function parseWalFileName(name: string, segmentSize: number): WalSegment {
  const match = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(?:\..*)?$/.exec(name);
  if (!match) throw new Error(`not a WAL segment file name: ${JSON.stringify(name)}`);
  const perId = segmentsPerId(segmentSize);
  return {
    timeline: parseInt(match[1] as string, 16),
    segno: BigInt(`0x${match[2]}`) * perId + BigInt(`0x${match[3]}`),
  };
}

/** The segment that holds the byte at `lsn`. */
export function segmentOf(lsn: bigint, segmentSize: number): bigint {
  return lsn / BigInt(segmentSize);
}

/**
 * Every segment name from `first` to `last` (inclusive, same timeline), e.g.
 * the WAL a backup needs from its start to its stop location.
 */
export function walFileRange(first: string, last: string, segmentSize: number): string[] {
  const a = parseWalFileName(first, segmentSize);
  const b = parseWalFileName(last, segmentSize);
  if (a.timeline !== b.timeline) throw new Error(`WAL range ${first}..${last} spans timelines`);
  if (b.segno < a.segno) throw new Error(`WAL range ${first}..${last} is reversed`);
  const names: string[] = [];
  for (let segno = a.segno; segno <= b.segno; segno++) names.push(walFileName(a.timeline, segno, segmentSize));
  return names;
}

/** `START TIMELINE: 1` and `START WAL LOCATION: 0/2000028 (file 000000010000000000000002)` of a backup_label. */
export function parseBackupLabel(label: string): { timeline: number; startLsn: string; startWal: string } {
  const start = /^START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+) \(file ([0-9A-F]{24})\)$/m.exec(label);
  const timeline = /^START TIMELINE: (\d+)$/m.exec(label);
  if (!start || !timeline) throw new Error(`unexpected backup_label from PostgreSQL:\n${label}`);
  return { timeline: Number(timeline[1]), startLsn: start[1] as string, startWal: start[2] as string };
}
