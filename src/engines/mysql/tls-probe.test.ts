import { describe, expect, it } from 'vitest';
import { greetingAllowsTls, sslRequestPacket } from './tls-probe.js';

function greeting(capabilities: number): Buffer {
  const version = Buffer.from('10.11.18-MariaDB\0');
  const rest = Buffer.alloc(4 + 8 + 1 + 2);
  rest.writeUInt16LE(capabilities, 13);
  return Buffer.concat([Buffer.from([10]), version, rest]);
}

describe('MySQL protocol TLS probe', () => {
  it('reads the SSL capability from the greeting', () => {
    expect(greetingAllowsTls(greeting(0xfffe))).toBe(true);
    expect(greetingAllowsTls(greeting(0xfffe & ~0x800))).toBe(false);
  });

  it('surfaces an error packet sent instead of a greeting', () => {
    const message = Buffer.from("Host '127.0.0.1' is not allowed to connect");
    const packet = Buffer.concat([Buffer.from([0xff, 0x6a, 0x04]), message]);
    expect(() => greetingAllowsTls(packet)).toThrow(/error 1130: Host/);
  });

  it('sends a 32-byte SSLRequest with sequence id 1 and CLIENT_SSL set', () => {
    const packet = sslRequestPacket();
    expect(packet.length).toBe(36);
    expect([packet[0], packet[1], packet[2], packet[3]]).toEqual([32, 0, 0, 1]);
    expect(packet.readUInt32LE(4) & 0x800).toBe(0x800);
  });
});
