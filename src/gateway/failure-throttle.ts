import { ThrottlingException } from '../api/errors.js';

export interface FailureThrottleOptions {
  /** Failed signatures allowed in a burst from one address or for one key id. */
  burst: number;
  /** How many of those come back per second. */
  refillPerSecond: number;
}

export const DEFAULT_FAILURE_THROTTLE: FailureThrottleOptions = { burst: 10, refillPerSecond: 1 };

const pairOf = (sourceIp: string, accessKeyId: string) => `key:${sourceIp}\u0000${accessKeyId}`;

/** Beyond this many tracked sources, the ones that have earned back their whole burst are forgotten. */
const MAX_TRACKED = 10_000;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Slows down guessing: each failed signature takes a token from the bucket
 * of its source address and from that of the address and the access key id
 * it claimed. Once a bucket is empty, requests from that address for that
 * key id are refused before any signature is checked, and so are requests
 * from that address with key ids berth does not know. Other addresses, and
 * other known keys on the same address, go on at full speed: nobody can lock
 * a key out from elsewhere by sending bad signatures for its id.
 */
export class FailureThrottle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly options: FailureThrottleOptions = DEFAULT_FAILURE_THROTTLE,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws ThrottlingException when the request must wait. */
  check(sourceIp: string, accessKeyId: string | undefined, knownKey: boolean): void {
    if (accessKeyId !== undefined && this.exhausted(pairOf(sourceIp, accessKeyId))) {
      throw this.refusal(`access key ${accessKeyId.slice(0, 128)} from ${sourceIp}`);
    }
    if (!knownKey && this.exhausted(`ip:${sourceIp}`)) throw this.refusal(`address ${sourceIp}`);
  }

  recordFailure(sourceIp: string, accessKeyId: string | undefined): void {
    this.take(`ip:${sourceIp}`);
    if (accessKeyId !== undefined) this.take(pairOf(sourceIp, accessKeyId));
  }

  private refusal(what: string): ThrottlingException {
    const seconds = Math.ceil(1 / this.options.refillPerSecond);
    return new ThrottlingException(`Too many requests with failed signatures for the ${what}: try again in ${seconds} s.`);
  }

  private level(id: string): number {
    const bucket = this.buckets.get(id);
    if (!bucket) return this.options.burst;
    const refilled = bucket.tokens + ((this.now() - bucket.updatedAt) / 1000) * this.options.refillPerSecond;
    return Math.min(this.options.burst, refilled);
  }

  private exhausted(id: string): boolean {
    return this.level(id) < 1;
  }

  private take(id: string): void {
    if (this.buckets.size >= MAX_TRACKED) this.forgetRecovered();
    this.buckets.set(id, { tokens: Math.max(0, this.level(id) - 1), updatedAt: this.now() });
  }

  private forgetRecovered(): void {
    for (const id of this.buckets.keys()) if (this.level(id) >= this.options.burst) this.buckets.delete(id);
    // Still full: the oldest entries go (a Map iterates in insertion order).
    for (const id of this.buckets.keys()) {
      if (this.buckets.size < MAX_TRACKED) break;
      this.buckets.delete(id);
    }
  }
}
