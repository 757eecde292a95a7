import { chmodSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';

export type Sqlite = Database.Database;

/**
 * Opens berth's metadata store: SQLite in WAL mode with full fsync, so a
 * committed API call survives kill -9 of berth and a power cut alike.
 */
export function openStore(file: string): Sqlite {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // Secrets inside are sealed, but the metadata is nobody else's business either.
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(file + suffix)) chmodSync(file + suffix, 0o600);
  }
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  cachePreparedStatements(db);
  return db;
}

/** Distinct SQL texts kept prepared; berth's are a few dozen, so this bound only stops a runaway. */
const MAX_CACHED_STATEMENTS = 512;

/**
 * The repositories prepare their SQL where they use it; preparing is a
 * good part of a simple query's cost, so each connection keeps what it has
 * prepared, by SQL text. (No repository changes a statement's mode with
 * pluck/raw/expand, which a shared statement would carry to the next user.)
 */
function cachePreparedStatements(db: Sqlite): void {
  const prepare = db.prepare.bind(db);
  const statements = new Map<string, Database.Statement>();
  db.prepare = ((source: string) => {
    let statement = statements.get(source);
    if (!statement) {
      if (statements.size >= MAX_CACHED_STATEMENTS) statements.clear();
      statement = prepare(source);
      statements.set(source, statement);
    }
    return statement;
  }) as Sqlite['prepare'];
}

function migrate(db: Sqlite): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)');
  const applied = new Set(
    db.prepare('SELECT version FROM schema_migrations').all().map((row) => (row as { version: number }).version),
  );
  for (const [index, sql] of MIGRATIONS.entries()) {
    const version = index + 1;
    if (applied.has(version)) continue;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now() / 1000);
    })();
  }
}
