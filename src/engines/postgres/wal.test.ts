import { describe, expect, it } from 'vitest';
import { formatLsn, parseBackupLabel, parseLsn, parseWalFileName, segmentOf, walFileName, walFileRange } from './wal.js';

const MB16 = 16 * 1024 * 1024;

describe('WAL names and positions', () => {
  it('parses and formats LSNs', () => {
    expect(parseLsn('0/2000028')).toBe(0x2000028n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
    expect(() => parseLsn('nope')).toThrow(/LSN/);
  });

  it('names segments like PostgreSQL (16 MB: 256 per 4 GiB; 1 MB: 4096)', () => {
    expect(walFileName(1, segmentOf(parseLsn('0/2000028'), MB16), MB16)).toBe('000000010000000000000002');
    expect(walFileName(2, segmentOf(parseLsn('16/B374D848'), MB16), MB16)).toBe('0000000200000016000000B3');
    expect(walFileName(1, 4096n + 5n, 1024 * 1024)).toBe('000000010000000100000005');
    expect(parseWalFileName('0000000200000016000000B3', MB16)).toEqual({ timeline: 2, segno: 0x16n * 256n + 0xb3n });
    expect(parseWalFileName('000000010000000000000002.00000028.backup', MB16).segno).toBe(2n);
  });

  it('lists a range of segments across a 4 GiB boundary', () => {
    expect(walFileRange('0000000100000000000000FE', '000000010000000100000001', MB16)).toEqual([
      '0000000100000000000000FE', '0000000100000000000000FF', '000000010000000100000000', '000000010000000100000001',
    ]);
    expect(() => walFileRange('000000010000000000000002', '000000020000000000000003', MB16)).toThrow(/timelines/);
  });

  it('reads start location and timeline from a backup_label', () => {
    const label = 'START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nCHECKPOINT LOCATION: 0/2000080\n' +
      'BACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: 2024-01-01 00:00:00 UTC\nLABEL: x\nSTART TIMELINE: 3\n';
    expect(parseBackupLabel(label)).toEqual({ timeline: 3, startLsn: '0/2000028', startWal: '000000010000000000000002' });
  });
});
