import { createPrivateKey, createPublicKey } from 'node:crypto';

import { afterEach, describe, expect, it } from 'vitest';

import type { ServerKeyType } from './ca-definitions.js';
import { ServerKeyPool } from './key-pool.js';
import type { GeneratedKey } from './keys.js';

/** A generator whose calls the test resolves by hand. */
class ManualGenerator {
  static readonly all: ManualGenerator[] = [];
  constructor() {
    ManualGenerator.all.push(this);
  }

  readonly calls: Array<{ type: ServerKeyType; resolve: (k: GeneratedKey) => void; reject: (e: Error) => void }> = [];
  #counter = 0;

  readonly generate = (type: ServerKeyType): Promise<GeneratedKey> =>
    new Promise((resolve, reject) => this.calls.push({ type, resolve, reject }));

  /** Resolves the oldest pending call with a uniquely labelled fake key. */
  async complete(): Promise<GeneratedKey> {
    const call = this.calls.shift();
    if (!call) throw new Error('no pending generation');
    const key = { privateKeyPem: `key-${++this.#counter}`, publicKeySpki: new Uint8Array([this.#counter]) };
    call.resolve(key);
    await flush();
    return key;
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

const pools: ServerKeyPool[] = [];
function pool(options: ConstructorParameters<typeof ServerKeyPool>[0]): ServerKeyPool {
  const p = new ServerKeyPool(options);
  pools.push(p);
  return p;
}

afterEach(async () => {
  // close() waits for in-flight generation, so settle whatever a test left pending first.
  for (const gen of ManualGenerator.all.splice(0)) {
    for (const call of gen.calls.splice(0)) call.reject(new Error('test finished'));
  }
  await Promise.allSettled(pools.splice(0).map((p) => p.close()));
}, 10_000);

describe('ServerKeyPool', { timeout: 10_000 }, () => {
  it('fills up to its size one key at a time, then stops', async () => {
    const gen = new ManualGenerator();
    const p = pool({ size: 2, types: ['rsa2048'], generate: gen.generate });
    await flush();
    expect(gen.calls).toHaveLength(1);
    await gen.complete();
    expect(p.available('rsa2048')).toBe(1);
    expect(gen.calls).toHaveLength(1);
    await gen.complete();
    expect(p.available('rsa2048')).toBe(2);
    expect(gen.calls).toHaveLength(0);
  });

  it('hands out each pooled key once, oldest first, and refills behind it', async () => {
    const gen = new ManualGenerator();
    const p = pool({ size: 2, types: ['rsa2048'], generate: gen.generate });
    await flush();
    const first = await gen.complete();
    const second = await gen.complete();

    expect(await p.take('rsa2048')).toBe(first);
    expect(await p.take('rsa2048')).toBe(second);
    expect(p.available('rsa2048')).toBe(0);
    await flush();
    expect(gen.calls).toHaveLength(1); // refill is serial, not one per take
    const third = await gen.complete();
    expect(p.available('rsa2048')).toBe(1);
    expect(await p.take('rsa2048')).toBe(third);
  });

  it('generates on demand when empty instead of waiting for the refill', async () => {
    const gen = new ManualGenerator();
    const p = pool({ size: 1, types: ['rsa2048'], generate: gen.generate });
    await flush();
    const taken = p.take('rsa2048');
    await flush();
    expect(gen.calls).toHaveLength(2); // background refill + the on-demand one
    const onDemand = gen.calls[1]!;
    onDemand.resolve({ privateKeyPem: 'direct', publicKeySpki: new Uint8Array() });
    expect((await taken).privateKeyPem).toBe('direct');
  });

  it('does not pool types it was not asked to pool', async () => {
    const gen = new ManualGenerator();
    const p = pool({ size: 2, types: ['rsa2048'], generate: gen.generate });
    await flush();
    const ec = p.take('ecP384');
    await flush();
    expect(gen.calls.map((c) => c.type)).toEqual(['rsa2048', 'ecP384']);
    gen.calls[1]!.resolve({ privateKeyPem: 'ec', publicKeySpki: new Uint8Array() });
    expect((await ec).privateKeyPem).toBe('ec');
    expect(p.available('ecP384')).toBe(0);
  });

  it('does not retry a failing background generation in a loop', async () => {
    const gen = new ManualGenerator();
    pool({ size: 3, types: ['rsa2048'], generate: gen.generate });
    await flush();
    gen.calls.shift()!.reject(new Error('boom'));
    await flush();
    await flush();
    expect(gen.calls).toHaveLength(0);
  });

  it('close() waits for in-flight generation, drops keys and stops refilling', async () => {
    const gen = new ManualGenerator();
    const p = pool({ size: 2, types: ['rsa2048'], generate: gen.generate });
    await flush();
    await gen.complete();
    let closed = false;
    const closing = p.close().then(() => (closed = true));
    await flush();
    expect(closed).toBe(false); // second key still being generated
    await gen.complete();
    await closing;
    expect(closed).toBe(true);
    expect(p.available('rsa2048')).toBe(0);
    expect(gen.calls).toHaveLength(0);
  });

  it('rejects a negative size', () => {
    expect(() => new ServerKeyPool({ size: -1, types: [] })).toThrow(/non-negative integer/);
  });

  it('with the real generator, yields distinct usable RSA-2048 keys', async () => {
    const p = pool({ size: 1, types: ['rsa2048'] });
    const [a, b] = await Promise.all([p.take('rsa2048'), p.take('rsa2048')]);
    expect(a.privateKeyPem).not.toBe(b.privateKeyPem);
    const key = createPrivateKey(a.privateKeyPem);
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(Buffer.from(a.publicKeySpki)).toEqual(createPublicKey(key).export({ type: 'spki', format: 'der' }));
  });
});
