/**
 * MariaDB binary log files: their names (`mariadb-bin.000042`, the number
 * grows past 999999 with more digits) and the little of their format berth
 * reads itself: the first event's timestamp (the file's creation time).
 *
 * A binary log file is the magic bytes FE 62 69 6E, then events, each with
 * a 19-byte header: timestamp (u32 LE, seconds since the epoch), type (u8),
 * server_id (u32), event length (u32), next position (u32), flags (u16).
 * The first event is the Format_description event written when the file is
 * opened.
 */
import fs from 'node:fs/promises';
import { BINLOG_BASENAME } from './instance-paths.js';

export const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);
const FORMAT_DESCRIPTION_EVENT = 15;
const HEADER_BYTES = 19;

const NAME = new RegExp(`^${BINLOG_BASENAME.replace(/[-.]/g, '\\$&')}\\.(\\d{6,})$`);

/** The sequence number of a binary log file name, undefined when it is not one. */
export function binlogNumber(name: string): number | undefined {
  const match = NAME.exec(name);
  if (!match) return undefined;
  const n = Number(match[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function isBinlogName(name: string): boolean {
  return binlogNumber(name) !== undefined;
}

export function binlogName(n: number): string {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`invalid binary log number ${n}`);
  return `${BINLOG_BASENAME}.${String(n).padStart(6, '0')}`;
}

/** Header of the first event of a binary log file. */
export interface BinlogHead {
  /** When the file was opened (its Format_description event), whole seconds. */
  createdAt: Date;
  serverId: number;
}

/** Parses the start of a binary log file; throws when it is not one. */
export function parseBinlogHead(bytes: Buffer, file: string): BinlogHead {
  if (bytes.length < BINLOG_MAGIC.length + HEADER_BYTES || !bytes.subarray(0, 4).equals(BINLOG_MAGIC)) {
    throw new Error(`${file} is not a MariaDB binary log (bad magic or too short)`);
  }
  const header = bytes.subarray(4, 4 + HEADER_BYTES);
  if (header.readUInt8(4) !== FORMAT_DESCRIPTION_EVENT) {
    throw new Error(`${file} does not start with a Format_description event`);
  }
  return { createdAt: new Date(header.readUInt32LE(0) * 1000), serverId: header.readUInt32LE(5) };
}

export async function readBinlogHead(file: string): Promise<BinlogHead> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(BINLOG_MAGIC.length + HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return parseBinlogHead(buffer.subarray(0, bytesRead), file);
  } finally {
    await handle.close();
  }
}

/**
 * `mariadb-binlog --stop-datetime` for a restore to `target`: event
 * timestamps are whole seconds, and the tool stops at the first event stamped
 * at or after its argument. Every event stamped in target's second or before
 * is replayed: the stop is the start of the next second (so a restore to
 * 12:00:00.250 also replays what was stamped 12:00:00.250 to 12:00:00.999).
 * Formatted in UTC: the tool reads it in its TZ, which berth sets to UTC.
 */
export function stopDatetime(target: Date): { seconds: number; text: string } {
  const seconds = Math.floor(target.getTime() / 1000) + 1;
  const text = new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');
  return { seconds, text };
}
