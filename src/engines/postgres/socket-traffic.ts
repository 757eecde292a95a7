/**
 * Bytes between a server and its clients, from the kernel's TCP statistics.
 *
 * PostgreSQL counts no network bytes. The kernel does, per socket
 * (tcp_info: bytes_received, bytes_sent), and `ss` reads them.
 * Those are figures of the sockets open now; TrafficTotals makes them
 * cumulative by remembering what each socket had when last seen, so the
 * bytes of a closed connection stay counted up to the last sample that saw
 * it.
 *
 * Limits: what a connection transfers after the last sample before it closes
 * is not counted, and a connection that opens and closes between two samples
 * is not counted at all. The figures are TCP payload: TLS records and
 * protocol framing included, TCP/IP headers not; sent bytes include
 * retransmissions.
 * Connections over unix sockets (berth's own admin path) are not counted.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface SocketCounters {
  /** Local and peer address with the socket's inode when shown: a reused 4-tuple is a new key. */
  key: string;
  /** Bytes received from the client. */
  received: number;
  /** Bytes sent to the client (bytes_sent; bytes_acked on kernels before 4.19, which lack it). */
  sent: number;
  uid?: number;
}

const number = (record: string, name: string): number | undefined => {
  const m = new RegExp(`(?:^|\\s)${name}:(\\d+)`).exec(record);
  return m ? Number(m[1]) : undefined;
};

/** Parses `ss -H -t -i -n -e state established ...` (one socket: a line, then its tab-indented details). */
export function parseSsOutput(text: string): SocketCounters[] {
  const records: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (/^\s/.test(line) && records.length > 0) records[records.length - 1] += ` ${line.trim()}`;
    else records.push(line.trim());
  }
  const sockets: SocketCounters[] = [];
  for (const record of records) {
    // Recv-Q Send-Q Local:Port Peer:Port [details]
    const fields = record.split(/\s+/);
    const local = fields[2];
    const peer = fields[3];
    if (!local || !peer || !/^\d+$/.test(fields[0] ?? '')) continue;
    const received = number(record, 'bytes_received') ?? 0;
    // bytes_sent counts what left, retransmissions included (like an interface counter) and
    // without waiting for the peer's (possibly delayed) acknowledgement.
    const sent = number(record, 'bytes_sent') ?? number(record, 'bytes_acked') ?? 0;
    const inode = number(record, 'ino');
    const uid = number(record, 'uid');
    sockets.push({
      key: `${local} ${peer}${inode === undefined ? '' : ` ${inode}`}`,
      received,
      sent,
      ...(uid === undefined ? {} : { uid }),
    });
  }
  return sockets;
}

/**
 * The established TCP sockets whose local port is `port`, owned by `uid`
 * when ss shows owners. Undefined when `ss` cannot be run.
 */
export async function sampleServerSockets(port: number, uid?: number): Promise<SocketCounters[] | undefined> {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`invalid port ${port}`);
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('ss', ['-H', '-t', '-i', '-n', '-e', 'state', 'established', '(', 'sport', '=', `:${port}`, ')'], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
      timeout: 10_000,
      maxBuffer: 64 * 1024 * 1024,
    }));
  } catch {
    return undefined;
  }
  const sockets = parseSsOutput(stdout);
  return uid === undefined ? sockets : sockets.filter((s) => s.uid === undefined || s.uid === uid);
}

export interface TrafficTotals {
  bytesReceived: number;
  bytesSent: number;
}

/** Cumulative bytes from successive socket samples of one server (one postmaster lifetime). */
export class TrafficCounter {
  private closedReceived = 0;
  private closedSent = 0;
  private live = new Map<string, { received: number; sent: number }>();

  update(sockets: SocketCounters[]): TrafficTotals {
    const now = new Map<string, { received: number; sent: number }>();
    let liveReceived = 0;
    let liveSent = 0;
    for (const socket of sockets) {
      const before = this.live.get(socket.key);
      // Counters of one socket only grow: smaller ones mean a new socket with the same key.
      if (before && (socket.received < before.received || socket.sent < before.sent)) {
        this.closedReceived += before.received;
        this.closedSent += before.sent;
        this.live.delete(socket.key);
      }
      const previous = now.get(socket.key);
      const received = Math.max(socket.received, previous?.received ?? 0);
      const sent = Math.max(socket.sent, previous?.sent ?? 0);
      now.set(socket.key, { received, sent });
    }
    for (const [key, before] of this.live) {
      if (now.has(key)) continue;
      // Closed since the last sample: keep what it had then.
      this.closedReceived += before.received;
      this.closedSent += before.sent;
    }
    for (const { received, sent } of now.values()) {
      liveReceived += received;
      liveSent += sent;
    }
    this.live = now;
    return { bytesReceived: this.closedReceived + liveReceived, bytesSent: this.closedSent + liveSent };
  }
}
