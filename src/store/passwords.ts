import type { Sqlite } from './database.js';
import type { SecretBox } from './secret-box.js';

export type PasswordVersion = 'CURRENT' | 'PREVIOUS' | 'PENDING';

export interface PasswordEntry {
  password: string;
  createdAt: number;
}

/** Master passwords by version, encrypted at rest. */
export class PasswordRepository {
  constructor(
    private readonly db: Sqlite,
    private readonly box: SecretBox,
  ) {}

  get(databaseId: string, version: PasswordVersion): PasswordEntry | undefined {
    const row = this.db
      .prepare('SELECT ciphertext, created_at FROM master_passwords WHERE database_id = ? AND version = ?')
      .get(databaseId, version) as { ciphertext: string; created_at: number } | undefined;
    return row && { password: this.box.open(row.ciphertext), createdAt: row.created_at };
  }

  has(databaseId: string, version: PasswordVersion): boolean {
    return this.db.prepare('SELECT 1 FROM master_passwords WHERE database_id = ? AND version = ?').get(databaseId, version) !== undefined;
  }

  set(databaseId: string, version: PasswordVersion, entry: PasswordEntry): void {
    this.db
      .prepare(
        `INSERT INTO master_passwords (database_id, version, ciphertext, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (database_id, version) DO UPDATE SET ciphertext = excluded.ciphertext, created_at = excluded.created_at`,
      )
      .run(databaseId, version, this.box.seal(entry.password), entry.createdAt);
  }

  remove(databaseId: string, version: PasswordVersion): void {
    this.db.prepare('DELETE FROM master_passwords WHERE database_id = ? AND version = ?').run(databaseId, version);
  }

  /** PENDING becomes CURRENT, the old CURRENT becomes PREVIOUS. */
  promotePending(databaseId: string): void {
    const pending = this.get(databaseId, 'PENDING');
    if (!pending) return;
    const current = this.get(databaseId, 'CURRENT');
    if (current) this.set(databaseId, 'PREVIOUS', current);
    this.set(databaseId, 'CURRENT', pending);
    this.remove(databaseId, 'PENDING');
  }
}
