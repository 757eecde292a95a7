import { describe, expect, it } from 'vitest';
import { parseBinlogInfo } from './backup.js';
import { binlogName, binlogNumber, parseBinlogHead, stopDatetime } from './binlog.js';

describe('binary log names', () => {
  it('numbers files like the server (six digits, more past 999999) and rejects other names', () => {
    expect(binlogNumber('mariadb-bin.000042')).toBe(42);
    expect(binlogNumber('mariadb-bin.1000000')).toBe(1000000);
    expect(binlogName(42)).toBe('mariadb-bin.000042');
    expect(binlogName(1000000)).toBe('mariadb-bin.1000000');
    for (const other of ['mariadb-bin.index', 'mariadb-bin.00042', 'mysql-bin.000001', 'mariadb-bin.000001.sha256', 'xmariadb-bin.000001']) {
      expect(binlogNumber(other)).toBeUndefined();
    }
    expect(() => binlogName(0)).toThrow();
  });

  it("reads mariadb-backup's binary log position", () => {
    expect(parseBinlogInfo('mariadb-bin.000003\t1387\t0-17-4\n')).toEqual({ file: 'mariadb-bin.000003', position: 1387, gtid: '0-17-4' });
    expect(parseBinlogInfo('/srv/db/binlog/mariadb-bin.000003\t1387\t\n')).toEqual({ file: 'mariadb-bin.000003', position: 1387, gtid: '' });
    expect(() => parseBinlogInfo('garbage')).toThrow(/cannot read the binary log position/);
  });
});

describe('binary log header', () => {
  const head = (type: number, when: number, serverId: number) => {
    const bytes = Buffer.alloc(4 + 19);
    Buffer.from([0xfe, 0x62, 0x69, 0x6e]).copy(bytes);
    bytes.writeUInt32LE(when, 4);
    bytes.writeUInt8(type, 8);
    bytes.writeUInt32LE(serverId, 9);
    return bytes;
  };

  it('reads the creation time and server_id of the Format_description event', () => {
    expect(parseBinlogHead(head(15, 1_700_000_000, 7), 'f')).toEqual({ createdAt: new Date(1_700_000_000_000), serverId: 7 });
    expect(() => parseBinlogHead(head(2, 1, 1), 'f')).toThrow(/does not start with a Format_description event/);
    expect(() => parseBinlogHead(Buffer.from('not a binlog at all, no'), 'f')).toThrow(/not a MariaDB binary log/);
  });
});

describe('stopDatetime', () => {
  it('replays every event stamped in the target second: the stop is the next second, in UTC', () => {
    expect(stopDatetime(new Date('2024-05-01T12:00:00.250Z'))).toEqual({ seconds: Date.parse('2024-05-01T12:00:01Z') / 1000, text: '2024-05-01 12:00:01' });
    expect(stopDatetime(new Date('2024-05-01T12:00:00.000Z')).text).toBe('2024-05-01 12:00:01');
    expect(stopDatetime(new Date('2024-12-31T23:59:59.999Z')).text).toBe('2025-01-01 00:00:00');
  });
});
