import { describe, expect, it } from 'vitest';
import { cidrContains, parseCidr, parseIpAddress } from './ip-address.js';

describe('parseIpAddress', () => {
  it('maps IPv4 into ::ffff:0:0/96', () => {
    expect(parseIpAddress('127.0.0.1')).toEqual([0, 0, 0xffff, 0x7f000001]);
    expect(parseIpAddress('::ffff:127.0.0.1')).toEqual([0, 0, 0xffff, 0x7f000001]);
    expect(parseIpAddress('255.255.255.255')).toEqual([0, 0, 0xffff, 0xffffffff]);
  });
  it('reads every IPv6 text form', () => {
    expect(parseIpAddress('::')).toEqual([0, 0, 0, 0]);
    expect(parseIpAddress('::1')).toEqual([0, 0, 0, 1]);
    expect(parseIpAddress('1::')).toEqual([0x10000, 0, 0, 0]);
    expect(parseIpAddress('2001:db8::8:800:200c:417a')).toEqual([0x20010db8, 0, 0x00080800, 0x200c417a]);
    expect(parseIpAddress('2001:DB8:0:0:8:800:200C:417A')).toEqual([0x20010db8, 0, 0x00080800, 0x200c417a]);
    expect(parseIpAddress('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toEqual([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
    expect(parseIpAddress('1:2:3:4:5:6:7::')).toEqual([0x10002, 0x30004, 0x50006, 0x70000]);
    expect(parseIpAddress('64:ff9b::192.0.2.33')).toEqual([0x0064ff9b, 0, 0, 0xc0000221]);
  });
  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '01.2.3.4',
    '1.2.3.-4',
    '1.2.3.4 ',
    ' 1.2.3.4',
    '0x7f.0.0.1',
    '1::2::3',
    ':::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8::',
    '12345::',
    'g::1',
    'fe80::1%eth0',
    '1.2.3.4::',
    '::1.2.3',
    '::ffff:1.2.3.4:5',
    'localhost',
  ])('refuses %j', (text) => {
    expect(parseIpAddress(text)).toBeUndefined();
  });
});

describe('parseCidr', () => {
  it('takes IPv4 and IPv6 prefixes and bare addresses', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ network: [0, 0, 0xffff, 0x0a000000], prefixLength: 104 });
    expect(parseCidr('10.1.2.3/8')).toEqual({ network: [0, 0, 0xffff, 0x0a000000], prefixLength: 104 });
    expect(parseCidr('10.1.2.3')).toEqual({ network: [0, 0, 0xffff, 0x0a010203], prefixLength: 128 });
    expect(parseCidr('0.0.0.0/0')?.prefixLength).toBe(96);
    expect(parseCidr('2001:db8::/32')).toEqual({ network: [0x20010db8, 0, 0, 0], prefixLength: 32 });
    expect(parseCidr('::/0')).toEqual({ network: [0, 0, 0, 0], prefixLength: 0 });
  });
  it.each(['10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/08', '10.0.0.0/8/8', '/8', '10.0.0.0/ 8', 'x/8'])(
    'refuses %j',
    (text) => {
      expect(parseCidr(text)).toBeUndefined();
    },
  );
});

describe('cidrContains', () => {
  const contains = (cidr: string, address: string) => {
    const block = parseCidr(cidr);
    const parsed = parseIpAddress(address);
    if (block === undefined || parsed === undefined) throw new Error('bad fixture');
    return cidrContains(block, parsed);
  };
  it('checks prefixes that end inside a word', () => {
    expect(contains('10.128.0.0/9', '10.255.255.255')).toBe(true);
    expect(contains('10.128.0.0/9', '10.127.255.255')).toBe(false);
    expect(contains('2001:db8:8000::/33', '2001:db8:ffff::')).toBe(true);
    expect(contains('2001:db8:8000::/33', '2001:db8:7fff::')).toBe(false);
    expect(contains('::/1', '7fff::')).toBe(true);
    expect(contains('::/1', '8000::')).toBe(false);
  });
  it('checks prefixes on a word boundary', () => {
    expect(contains('2001:db8::/64', '2001:db8::ffff:ffff:ffff:ffff')).toBe(true);
    expect(contains('2001:db8::/64', '2001:db8:0:1::')).toBe(false);
    expect(contains('2001:db8::/96', '2001:db8::ffff:ffff')).toBe(true);
  });
});
