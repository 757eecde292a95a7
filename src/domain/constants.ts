/**
 * Constants shared by the domain rules (and by the services that call them).
 */

/** The database engines berth serves, as reported in `engine` on the wire. */
export const ENGINES = ['postgres', 'mysql'] as const;

/** A database engine. `mysql` covers MySQL-compatible servers (MariaDB included). */
export type Engine = (typeof ENGINES)[number];

/** Human-readable engine names, used in error messages. */
export const ENGINE_DISPLAY_NAMES: Readonly<Record<Engine, string>> = {
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
};

/** True when `value` is one of {@link ENGINES}. */
export function isEngine(value: unknown): value is Engine {
  return value === 'postgres' || value === 'mysql';
}

/** The name prefix berth keeps for its own roles/users (for example `berth_admin`). */
export const BERTH_RESERVED_PREFIX = 'berth_';

/** The administrative user berth creates inside every instance. */
export const BERTH_ADMIN_USER = 'berth_admin';

// ---- resource names (databases, snapshots) ----
export const RESOURCE_NAME_MIN_LENGTH = 2;
export const RESOURCE_NAME_MAX_LENGTH = 255;

// ---- master user name / master database name ----
export const MASTER_USERNAME_MAX_LENGTH: Readonly<Record<Engine, number>> = { postgres: 63, mysql: 16 };
export const MASTER_DATABASE_NAME_MAX_LENGTH: Readonly<Record<Engine, number>> = { postgres: 63, mysql: 64 };

// ---- master user password ----
export const MASTER_PASSWORD_MIN_LENGTH = 8;
export const MASTER_PASSWORD_MAX_LENGTH: Readonly<Record<Engine, number>> = { postgres: 128, mysql: 41 };
/** Length of the passwords berth generates (both engines; within MySQL's 41). */
export const GENERATED_PASSWORD_LENGTH = 32;

// ---- windows ----
/** Minimum length of a backup or maintenance window. */
export const MIN_WINDOW_MINUTES = 30;
/** Maximum length of a maintenance window (24 hours). */
export const MAX_MAINTENANCE_WINDOW_MINUTES = 24 * 60;
/** Length of the default windows berth picks. */
export const DEFAULT_WINDOW_MINUTES = 30;
/**
 * The 8-hour block (UTC) the default windows are picked from: 03:00-11:00,
 * the block RDS/Lightsail use for us-east-1.
 */
export const DEFAULT_WINDOW_BLOCK = { startMinute: 3 * 60, durationMinutes: 8 * 60 } as const;

// ---- tags ----
export const MAX_TAGS_PER_RESOURCE = 50;
export const TAG_KEY_MAX_LENGTH = 128;
export const TAG_VALUE_MAX_LENGTH = 256;
/** Tag keys starting with this prefix (case-insensitive) are reserved for AWS. */
export const RESERVED_TAG_KEY_PREFIX = 'aws:';
