/**
 * The MariaDB server MysqlDriver runs on this machine: found once, the
 * blueprint it offers, its template datadir, its client tools and the
 * options its mariadbd accepts.
 */
import type { EngineBlueprint, InstanceSpec } from '../driver.js';
import { assertTraversableBy, type OsUser } from '../os-user.js';
import {
  blueprintIdFor, discoverMariadbServer, findMariadbTool, type MariadbServer, type MariadbTool, type ServerDiscovery,
} from './server-binaries.js';
import { listServerOptions } from './server-options.js';
import { ensureTemplate } from './template.js';

export interface MariadbInstallationOptions {
  /** The server to run; default: discovered (BERTH_MYSQLD, else mariadbd on PATH or in /usr/sbin). */
  server?: MariadbServer;
  /** Environment read by discovery (BERTH_MYSQLD, PATH); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** What an instance of the blueprint needs: the service user, the server, the template datadir to copy. */
export interface PreparedMariadb {
  user: OsUser;
  server: MariadbServer;
  template: string;
}

export class MariadbInstallation {
  private discovered: ServerDiscovery | undefined;
  private serverOptionsPromise: Promise<Set<string>> | undefined;

  constructor(
    private readonly rootDir: string,
    private readonly user: () => Promise<OsUser>,
    private readonly options: MariadbInstallationOptions,
  ) {}

  /** The server found on this machine, or why there is none. */
  discovery(): ServerDiscovery {
    this.discovered ??= this.options.server
      ? { found: true, server: this.options.server }
      : discoverMariadbServer(this.options.env ?? process.env);
    return this.discovered;
  }

  blueprints(): EngineBlueprint[] {
    const found = this.discovery();
    if (!found.found) return [];
    const { server } = found;
    return [{
      blueprintId: blueprintIdFor(server),
      engine: 'mysql',
      engineVersion: `${server.version}-MariaDB`,
      engineDescription: 'MariaDB, MySQL-compatible',
      engineVersionDescription: `MariaDB ${server.version}`,
      isEngineDefault: true,
    }];
  }

  /** The server of `spec`'s blueprint, with its template datadir made (once) under rootDir. */
  async prepare(spec: Pick<InstanceSpec, 'blueprintId'>): Promise<PreparedMariadb> {
    const found = this.discovery();
    if (!found.found) throw new Error(`blueprint ${spec.blueprintId} is not available on this machine: ${found.reason}`);
    if (blueprintIdFor(found.server) !== spec.blueprintId) {
      throw new Error(`blueprint ${spec.blueprintId} is not available on this machine (it runs ${blueprintIdFor(found.server)})`);
    }
    const user = await this.user();
    await assertTraversableBy(user, this.rootDir);
    const template = await ensureTemplate(this.rootDir, found.server, user);
    return { user, server: found.server, template };
  }

  /** Absolute path of a client program of the server (throws when it is not installed). */
  tool(name: MariadbTool): string {
    const found = this.discovery();
    if (!found.found) throw new Error(found.reason);
    const tool = findMariadbTool(found.server, name, this.options.env ?? process.env);
    if (!tool.found) throw new Error(tool.reason);
    return tool.path;
  }

  /** The options mariadbd accepts (what an option file can set), asked once. */
  async serverOptions(): Promise<Set<string>> {
    const found = this.discovery();
    if (!found.found) throw new Error(found.reason);
    const user = await this.user();
    this.serverOptionsPromise ??= listServerOptions(found.server.mariadbd, user).catch((err: unknown) => {
      this.serverOptionsPromise = undefined;
      throw err;
    });
    return this.serverOptionsPromise;
  }
}
