import type { Sqlite } from './database.js';
import type { SecretBox } from './secret-box.js';

export interface UserRecord {
  name: string;
  /** The policy document as the operator set it (JSON text); none means the user may do nothing. */
  policyJson?: string;
  createdAt: number;
}

export interface AccessKeyRecord {
  accessKeyId: string;
  userName: string;
  createdAt: number;
}

export interface StoredAccessKey extends AccessKeyRecord {
  secretAccessKey: string;
}

interface UserRow {
  name: string;
  policy_json: string | null;
  created_at: number;
}

const toUser = (row: UserRow): UserRecord => ({
  name: row.name,
  ...(row.policy_json === null ? {} : { policyJson: row.policy_json }),
  createdAt: row.created_at,
});

/** Users of the API and their access keys; secret keys are sealed at rest. */
export class UserRepository {
  constructor(
    private readonly db: Sqlite,
    private readonly box: SecretBox,
    private readonly now: () => number,
  ) {}

  find(name: string): UserRecord | undefined {
    const row = this.db.prepare('SELECT name, policy_json, created_at FROM users WHERE name = ?').get(name) as UserRow | undefined;
    return row && toUser(row);
  }

  list(): UserRecord[] {
    return (this.db.prepare('SELECT name, policy_json, created_at FROM users ORDER BY name').all() as UserRow[]).map(toUser);
  }

  create(name: string, policyJson: string | undefined): UserRecord {
    this.db.prepare('INSERT INTO users (name, policy_json, created_at) VALUES (?, ?, ?)').run(name, policyJson ?? null, this.now());
    return this.find(name)!;
  }

  setPolicy(name: string, policyJson: string | undefined): void {
    this.db.prepare('UPDATE users SET policy_json = ? WHERE name = ?').run(policyJson ?? null, name);
  }

  /** Deletes the user and its access keys. */
  delete(name: string): void {
    this.db.prepare('DELETE FROM users WHERE name = ?').run(name);
  }

  addKey(userName: string, accessKeyId: string, secretAccessKey: string): AccessKeyRecord {
    const createdAt = this.now();
    this.db
      .prepare('INSERT INTO access_keys (access_key_id, user_name, secret_ciphertext, created_at) VALUES (?, ?, ?, ?)')
      .run(accessKeyId, userName, this.box.seal(secretAccessKey), createdAt);
    return { accessKeyId, userName, createdAt };
  }

  keysOf(userName: string): AccessKeyRecord[] {
    const rows = this.db
      .prepare('SELECT access_key_id, user_name, created_at FROM access_keys WHERE user_name = ? ORDER BY created_at, access_key_id')
      .all(userName) as Array<{ access_key_id: string; user_name: string; created_at: number }>;
    return rows.map((row) => ({ accessKeyId: row.access_key_id, userName: row.user_name, createdAt: row.created_at }));
  }

  /** The key with its secret opened, for checking signatures. */
  findKey(accessKeyId: string): StoredAccessKey | undefined {
    const row = this.db
      .prepare('SELECT access_key_id, user_name, secret_ciphertext, created_at FROM access_keys WHERE access_key_id = ?')
      .get(accessKeyId) as { access_key_id: string; user_name: string; secret_ciphertext: string; created_at: number } | undefined;
    return (
      row && { accessKeyId: row.access_key_id, userName: row.user_name, createdAt: row.created_at, secretAccessKey: this.box.open(row.secret_ciphertext) }
    );
  }

  deleteKey(accessKeyId: string): void {
    this.db.prepare('DELETE FROM access_keys WHERE access_key_id = ?').run(accessKeyId);
  }
}
