import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CA_IDENTIFIERS, CaRegistry, type IssuedServerCertificate } from './index.js';

let workDir: string;
let registry: CaRegistry;
const issued = new Map<string, IssuedServerCertificate>();

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'berth-pki-tls-'));
  registry = await CaRegistry.open(join(workDir, 'pki'));
  for (const id of CA_IDENTIFIERS) {
    issued.set(
      id,
      await registry.issueServerCertificate(id, {
        commonName: 'localhost',
        dnsNames: ['localhost'],
        ipAddresses: ['127.0.0.1', '::1'],
      }),
    );
  }
});

afterAll(async () => {
  await registry?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

interface HandshakeResult {
  authorized: boolean;
  protocol?: string | null;
  errorCode?: string;
}

/** Serves `server` on 127.0.0.1:0 and connects once with a client trusting `ca`. */
async function handshake(server: IssuedServerCertificate, ca: string, servername = 'localhost'): Promise<HandshakeResult> {
  const tlsServer = tls.createServer({ cert: server.certPem, key: server.keyPem }, (socket) => socket.end());
  tlsServer.on('tlsClientError', () => {}); // the client aborting is expected in the failure cases
  await new Promise<void>((resolve, reject) => {
    tlsServer.once('error', reject);
    tlsServer.listen(0, '127.0.0.1', resolve);
  });
  const { port } = tlsServer.address() as AddressInfo;
  try {
    return await new Promise<HandshakeResult>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ca, servername });
      socket.once('secureConnect', () => {
        resolve({ authorized: socket.authorized, protocol: socket.getProtocol() });
        socket.destroy();
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        resolve({ authorized: false, errorCode: error.code ?? error.message });
        socket.destroy();
      });
    });
  } finally {
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  }
}

describe.each(CA_IDENTIFIERS.map((id) => [id]))('TLS with a %s server certificate', (id) => {
  it('handshakes when the client trusts bundle(id)', async () => {
    const result = await handshake(issued.get(id)!, registry.bundle(id));
    expect(result).toMatchObject({ authorized: true });
    expect(result.errorCode).toBeUndefined();
  });

  it('handshakes when the client trusts the global bundle', async () => {
    expect(await handshake(issued.get(id)!, registry.bundle())).toMatchObject({ authorized: true });
  });

  it('fails certificate verification when the client trusts only a different CA', async () => {
    const other = CA_IDENTIFIERS.find((o) => o !== id)!;
    const result = await handshake(issued.get(id)!, registry.bundle(other));
    expect(result.authorized).toBe(false);
    expect(result.errorCode).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('fails hostname verification for a name not in the certificate', async () => {
    const result = await handshake(issued.get(id)!, registry.bundle(id), 'db.elsewhere.example');
    expect(result.authorized).toBe(false);
    expect(result.errorCode).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });
});
