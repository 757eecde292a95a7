import type { ServerKeyType } from './ca-definitions.js';
import { generateServerKey, type GeneratedKey } from './keys.js';

export type GenerateServerKey = (type: ServerKeyType) => Promise<GeneratedKey>;

export interface ServerKeyPoolOptions {
  /** Maximum number of ready keys kept per key type. */
  size: number;
  /** Key types to pre-generate; take() of any other type just generates on demand. */
  types: readonly ServerKeyType[];
  /** Injected for tests; defaults to generateServerKey. */
  generate?: GenerateServerKey;
}

/**
 * A bounded stock of pre-generated server keys, refilled in the background one key at a time
 * per type. RSA-2048 generation costs ~100 ms (with a long tail), which would otherwise dominate
 * certificate issuance on the database-create path. Every key is handed out at most once.
 */
export class ServerKeyPool {
  readonly #size: number;
  readonly #generate: GenerateServerKey;
  readonly #ready = new Map<ServerKeyType, GeneratedKey[]>();
  readonly #inFlight = new Map<ServerKeyType, Promise<void>>();
  #closed = false;

  constructor(options: ServerKeyPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 0) {
      throw new Error(`key pool size must be a non-negative integer, got ${options.size}`);
    }
    this.#size = options.size;
    this.#generate = options.generate ?? generateServerKey;
    for (const type of options.types) {
      this.#ready.set(type, []);
      this.#refill(type);
    }
  }

  /** Returns a ready key if one is pooled, otherwise generates one; never waits on the refill. */
  async take(type: ServerKeyType): Promise<GeneratedKey> {
    const ready = this.#ready.get(type);
    const key = ready?.shift();
    if (ready) this.#refill(type);
    return key ?? this.#generate(type);
  }

  /** Number of keys of `type` ready right now. */
  available(type: ServerKeyType): number {
    return this.#ready.get(type)?.length ?? 0;
  }

  /** Stops refilling, waits for in-flight generation and drops the pooled keys. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#inFlight.values());
    for (const ready of this.#ready.values()) ready.length = 0;
  }

  #refill(type: ServerKeyType): void {
    const ready = this.#ready.get(type);
    if (this.#closed || !ready || this.#inFlight.has(type) || ready.length >= this.#size) return;
    const job = Promise.resolve()
      .then(() => this.#generate(type))
      .then(
        (key) => {
          this.#inFlight.delete(type);
          if (this.#closed) return;
          ready.push(key);
          this.#refill(type);
        },
        // A failed background generation is not retried in a loop; the next take() tries again.
        () => {
          this.#inFlight.delete(type);
        },
      );
    this.#inFlight.set(type, job);
  }
}
