import type { PublicRoute } from './pipeline.js';

export interface BundleSource {
  identifiers(): string[];
  bundle(identifier?: string): string;
}

const PEM = 'application/x-pem-file';

export interface MetricsSource {
  text(): Promise<string>;
}

/**
 * What anyone who can reach the API may fetch without signing: the CA
 * bundles clients need for sslmode=verify-full, a liveness probe, and
 * Prometheus metrics.
 */
export function publicRoutes(cas: BundleSource, metrics: MetricsSource): PublicRoute {
  return async (pathname) => {
    if (pathname === '/health') return { status: 200, contentType: 'application/json', body: '{"status":"ok"}\n' };
    if (pathname === '/metrics') return { status: 200, contentType: 'text/plain; version=0.0.4; charset=utf-8', body: await metrics.text() };
    const match = /^\/certificates\/([A-Za-z0-9-]+)\.pem$/.exec(pathname);
    if (!match) return undefined;
    const name = match[1]!;
    if (name === 'global-bundle') return { status: 200, contentType: PEM, body: cas.bundle() };
    if (cas.identifiers().includes(name)) return { status: 200, contentType: PEM, body: cas.bundle(name) };
    return {
      status: 404,
      contentType: 'text/plain; charset=utf-8',
      body: `No certificate authority named ${name}; try /certificates/global-bundle.pem or one of: ${cas.identifiers().join(', ')}\n`,
    };
  };
}
