import { parsePolicy, type PolicyDocument } from '../iam/index.js';
import type { UserRepository } from '../store/users.js';
import type { AccessKey } from './sigv4.js';

/** Who signed a request: the root key, which may do everything, or a user bound by its policy. */
export interface Principal {
  userName: string;
  accessKeyId: string;
  root: boolean;
  /** The user's policies (none for root, which is not bound by any). */
  policies: readonly PolicyDocument[];
}

export interface KnownKey extends AccessKey {
  principal: Principal;
}

export const ROOT_USER_NAME = 'root';

/**
 * The keys berth accepts: the root key pair and every user's access keys,
 * looked up once and kept in memory until a user, key or policy changes.
 */
export class Identities {
  private readonly cache = new Map<string, KnownKey | null>();
  private readonly root: KnownKey;

  constructor(
    root: AccessKey,
    private readonly users: UserRepository,
  ) {
    this.root = { ...root, principal: { userName: ROOT_USER_NAME, accessKeyId: root.accessKeyId, root: true, policies: [] } };
  }

  readonly find = (accessKeyId: string): KnownKey | undefined => {
    if (accessKeyId === this.root.accessKeyId) return this.root;
    let known = this.cache.get(accessKeyId);
    if (known === undefined) {
      known = this.load(accessKeyId) ?? null;
      // Unknown ids are not cached: a stream of made-up ones must not grow the map.
      if (known) this.cache.set(accessKeyId, known);
    }
    return known ?? undefined;
  };

  /** Call after any change to users, keys or policies. */
  invalidate(): void {
    this.cache.clear();
  }

  private load(accessKeyId: string): KnownKey | undefined {
    const key = this.users.findKey(accessKeyId);
    if (!key) return undefined;
    const user = this.users.find(key.userName);
    if (!user) return undefined;
    const policies = user.policyJson === undefined ? [] : [parsePolicy(user.policyJson)];
    return {
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      principal: { userName: user.name, accessKeyId: key.accessKeyId, root: false, policies },
    };
  }
}
