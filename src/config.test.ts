import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiScheme, ConfigError, envName, optionsTable, parseServeArgs, SERVE_OPTIONS, serveUsage } from './config.js';

describe('parseServeArgs', () => {
  it('uses the embedded defaults', () => {
    const config = parseServeArgs(['--data-dir', '/tmp/x'], {});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      defaultRegion: 'us-east-1',
      advertiseHost: 'localhost',
      databasePorts: { first: 54320, last: 54999 },
      pageSize: 25,
      stopDatabasesOnExit: false,
      publicListenAddresses: ['*'],
      metricsIntervalMs: 60_000,
    });
  });

  it('reads flags before BERTH_* variables', () => {
    const env = { BERTH_PORT: '9000', BERTH_REGION: 'eu-west-1', BERTH_ARCHIVE_INTERVAL_MS: '5000', BERTH_PUBLIC_LISTEN_ADDRESSES: '10.0.0.5, ::' };
    const config = parseServeArgs(['--port', '9100', '--data-dir', '/d'], env);
    expect(config.port).toBe(9100);
    expect(config.defaultRegion).toBe('eu-west-1');
    expect(config.archiveIntervalMs).toBe(5000);
    expect(config.publicListenAddresses).toEqual(['10.0.0.5', '::']);
  });

  it('refuses what it cannot use, saying what is allowed', () => {
    expect(() => parseServeArgs(['--port', 'eighty'], {})).toThrow(ConfigError);
    expect(() => parseServeArgs(['--database-ports', '5000-4000'], {})).toThrow(/below/);
    expect(() => parseServeArgs(['--monitor-interval-ms', '5'], {})).toThrow(/between 100 and/);
    expect(() => parseServeArgs(['--public-listen-addresses', 'example.com'], {})).toThrow(/not an IP address/);
    expect(() => parseServeArgs(['--no-such-flag'], {})).toThrow();
  });
});

describe('the options table', () => {
  it('is what berth serve --help and the README show, every option with its variable', () => {
    const usage = serveUsage();
    for (const spec of Object.values(SERVE_OPTIONS)) {
      expect(usage).toContain(`--${spec.flag}`);
      expect(usage).toContain(envName(spec.flag));
    }
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(optionsTable());
  });

  it('reads a switch from the flag or from its variable set to true', () => {
    expect(parseServeArgs(['--stop-databases-on-exit'], {}).stopDatabasesOnExit).toBe(true);
    expect(parseServeArgs([], { BERTH_STOP_DATABASES_ON_EXIT: 'true' }).stopDatabasesOnExit).toBe(true);
    expect(parseServeArgs([], {}).stopDatabasesOnExit).toBe(false);
  });
});

describe('the API scheme', () => {
  const scheme = (argv: string[]) => apiScheme(parseServeArgs(argv, {}));

  it('is plain HTTP on loopback, HTTPS on any other address unless --insecure-http, HTTPS with --tls or --tls-cert', () => {
    expect(scheme([])).toBe('http');
    expect(scheme(['--host', 'localhost'])).toBe('http');
    expect(scheme(['--host', '::1'])).toBe('http');
    expect(scheme(['--host', '0.0.0.0'])).toBe('https');
    expect(scheme(['--host', '10.1.2.3'])).toBe('https');
    expect(scheme(['--host', '0.0.0.0', '--insecure-http'])).toBe('http');
    expect(scheme(['--tls'])).toBe('https');
    expect(scheme(['--tls-cert', 'c.pem', '--tls-key', 'k.pem'])).toBe('https');
  });

  it('refuses contradictory options, saying which', () => {
    expect(() => parseServeArgs(['--tls', '--insecure-http'], {})).toThrow(/--insecure-http contradicts --tls/);
    expect(() => parseServeArgs(['--tls-cert', 'c.pem'], {})).toThrow(/--tls-cert and --tls-key go together/);
    expect(() => parseServeArgs(['--tls-key', 'k.pem'], {})).toThrow(/--tls-cert and --tls-key go together/);
  });
});
