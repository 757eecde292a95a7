import type { Sqlite } from './database.js';

/** Small key/value facts of this installation (account id...). */
export class SettingsRepository {
  constructor(private readonly db: Sqlite) {}

  get(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  /** Returns the stored value, storing `create()` first when there is none. */
  getOrCreate(key: string, create: () => string): string {
    const existing = this.get(key);
    if (existing !== undefined) return existing;
    const value = create();
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run(key, value);
    return value;
  }
}
