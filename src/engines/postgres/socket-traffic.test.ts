import { describe, expect, it } from 'vitest';
import { parseSsOutput, TrafficCounter, type SocketCounters } from './socket-traffic.js';

const SAMPLE = [
  '0      0          127.0.0.1:36979    127.0.0.1:57184 timer:(keepalive,119min,0) uid:999 ino:377943 sk:1001 cgroup:/ <->',
  '\t ts sack bbr wscale:10,10 rto:204 rtt:0.835/1.092 mss:33280 bytes_sent:2051 bytes_acked:2040 bytes_received:1334 segs_out:12 segs_in:14',
  '0      0              [::1]:36979        [::1]:40012 uid:999 ino:377950 sk:1003 <->',
  '\t ts sack cubic wscale:7,7 rto:204 bytes_acked:900 bytes_received:77 segs_out:3',
  '',
].join('\n');

describe('parseSsOutput', () => {
  it('reads addresses, owner, inode and byte counters', () => {
    expect(parseSsOutput(SAMPLE)).toEqual([
      { key: '127.0.0.1:36979 127.0.0.1:57184 377943', received: 1334, sent: 2051, uid: 999 },
      { key: '[::1]:36979 [::1]:40012 377950', received: 77, sent: 900, uid: 999 },
    ]);
    expect(parseSsOutput('')).toEqual([]);
  });
});

describe('TrafficCounter', () => {
  const socket = (key: string, received: number, sent: number): SocketCounters => ({ key, received, sent });

  it('adds what sockets transferred, keeping the bytes of closed ones', () => {
    const counter = new TrafficCounter();
    expect(counter.update([socket('a', 10, 100)])).toEqual({ bytesReceived: 10, bytesSent: 100 });
    expect(counter.update([socket('a', 15, 150), socket('b', 1, 2)])).toEqual({ bytesReceived: 16, bytesSent: 152 });
    // a closed: what it had at the last sample stays counted.
    expect(counter.update([socket('b', 5, 6)])).toEqual({ bytesReceived: 20, bytesSent: 156 });
    expect(counter.update([])).toEqual({ bytesReceived: 20, bytesSent: 156 });
  });

  it('treats shrinking counters under a known key as a new socket', () => {
    const counter = new TrafficCounter();
    counter.update([socket('a', 50, 50)]);
    expect(counter.update([socket('a', 5, 5)])).toEqual({ bytesReceived: 55, bytesSent: 55 });
  });
});
