/**
 * The PostgreSQL versions PostgresDriver offers: one blueprint per npm
 * package, each installed under rootDir with its template cluster when an
 * instance first needs it.
 */
import type { EngineBlueprint, InstanceSpec } from '../driver.js';
import { assertTraversableBy, type OsUser } from '../os-user.js';
import { findPostgresPackages, installPostgres, type InstalledPostgres, type PostgresPackage } from './binaries.js';
import { ensureTemplate } from './template.js';

export interface PostgresInstallationsOptions {
  /** Packages to offer; default: the `pg16`/`pg17` npm aliases that are installed. */
  packages?: PostgresPackage[];
}

/** What an instance of a blueprint needs: the service user, the installed binaries, the template cluster to copy. */
export interface PreparedPostgres {
  user: OsUser;
  install: InstalledPostgres;
  template: string;
}

export class PostgresInstallations {
  private packageList: PostgresPackage[] | undefined;

  constructor(
    private readonly rootDir: string,
    private readonly user: () => Promise<OsUser>,
    private readonly options: PostgresInstallationsOptions,
  ) {}

  blueprints(): EngineBlueprint[] {
    const packages = this.packages();
    const newest = Math.max(...packages.map((p) => p.major));
    return packages.map((p) => ({
      blueprintId: `postgres_${p.major}`,
      engine: 'postgres',
      engineVersion: p.version,
      engineDescription: 'PostgreSQL',
      engineVersionDescription: `PostgreSQL ${p.version}`,
      isEngineDefault: p.major === newest,
    }));
  }

  /** The package `blueprintId` runs, if this machine has it. */
  packageOf(blueprintId: string): PostgresPackage | undefined {
    return this.packages().find((p) => `postgres_${p.major}` === blueprintId);
  }

  /** The binaries of `spec`'s blueprint and its template cluster, installed (once) under rootDir. */
  async prepare(spec: Pick<InstanceSpec, 'blueprintId'>): Promise<PreparedPostgres> {
    const pkg = this.packageOf(spec.blueprintId);
    if (!pkg) throw new Error(`blueprint ${spec.blueprintId} is not available on this machine`);
    const user = await this.user();
    await assertTraversableBy(user, this.rootDir);
    const install = await installPostgres(this.rootDir, pkg, user);
    const template = await ensureTemplate(this.rootDir, install, user);
    return { user, install, template };
  }

  private packages(): PostgresPackage[] {
    this.packageList ??= this.options.packages ?? findPostgresPackages();
    return this.packageList;
  }
}
