import { randomBytes } from 'node:crypto';
import type { Sqlite } from './database.js';
import type { SecretBox } from './secret-box.js';

/** Secrets berth keeps for a database besides its master passwords (the replication account's password), sealed at rest. */
export type DatabaseSecretName = 'replication-password';

export class DatabaseSecretRepository {
  constructor(
    private readonly db: Sqlite,
    private readonly box: SecretBox,
  ) {}

  get(databaseId: string, name: DatabaseSecretName): string | undefined {
    const row = this.db.prepare('SELECT ciphertext FROM database_secrets WHERE database_id = ? AND name = ?').get(databaseId, name) as
      | { ciphertext: string }
      | undefined;
    return row && this.box.open(row.ciphertext);
  }

  /** The secret, generated (32 random bytes, hex) and stored the first time it is asked for. */
  getOrCreate(databaseId: string, name: DatabaseSecretName): string {
    const existing = this.get(databaseId, name);
    if (existing !== undefined) return existing;
    const secret = randomBytes(32).toString('hex');
    this.db
      .prepare('INSERT INTO database_secrets (database_id, name, ciphertext) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
      .run(databaseId, name, this.box.seal(secret));
    return this.get(databaseId, name)!;
  }
}
