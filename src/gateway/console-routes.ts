import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PublicResponse, PublicRoute } from './pipeline.js';

/**
 * The operator console: static files only. It holds no authority of its own:
 * the page signs every API call in the browser with the keys the operator
 * types, so the API's SigV4 check stays the only gate.
 */
export const CONSOLE_PREFIX = '/console';

/** Sent with every console answer, found or not. */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const HTML = 'text/html; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';

/** The only files served, by their name under /console/ (the folder holds other files, e.g. type declarations). */
export const CONSOLE_FILES: ReadonlyMap<string, string> = new Map([
  ['index.html', HTML],
  ['console.css', CSS],
  ['app.js', JS],
  ['actions.js', JS],
  ['api.js', JS],
  ['charts.js', JS],
  ['databases.js', JS],
  ['details.js', JS],
  ['dialog.js', JS],
  ['dom.js', JS],
  ['messages.js', JS],
  ['panel.js', JS],
  ['session.js', JS],
  ['sigv4.js', JS],
  ['tab-backups.js', JS],
  ['tab-connect.js', JS],
  ['tab-ha.js', JS],
  ['tab-history.js', JS],
  ['tab-logs.js', JS],
  ['tab-metrics.js', JS],
  ['tab-parameters.js', JS],
  ['tab-settings.js', JS],
  ['tab-tags.js', JS],
]);

const resolvePackageFile = createRequire(import.meta.url).resolve;

/**
 * Files of npm packages the console uses, under /console/vendor/: served
 * from the installed package, so that nothing is fetched from elsewhere and
 * `npm ci` is the only way they change.
 */
export const VENDOR_FILES: ReadonlyMap<string, { contentType: string; file: () => string }> = new Map([
  ['vendor/uPlot.esm.js', { contentType: JS, file: () => resolvePackageFile('uplot/dist/uPlot.esm.js') }],
  ['vendor/uPlot.min.css', { contentType: CSS, file: () => resolvePackageFile('uplot/dist/uPlot.min.css') }],
]);

/**
 * The console/ folder at the package root, found by walking up from this
 * module: the same from src/gateway (tests, vite-node) and from
 * dist/src/gateway (npm start), since tsc copies no static files.
 */
export function findConsoleDir(from: string = import.meta.url): string | undefined {
  let dir = path.dirname(fileURLToPath(from));
  for (;;) {
    const candidate = path.join(dir, 'console');
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(candidate, 'index.html'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function answer(status: number, contentType: string, body: string): PublicResponse {
  return { status, contentType, body, headers: CONSOLE_HEADERS };
}

const NOT_FOUND = (): PublicResponse => answer(404, 'text/plain; charset=utf-8', 'Not found.\n');

const underConsole = (pathname: string) => pathname === CONSOLE_PREFIX || pathname.startsWith(`${CONSOLE_PREFIX}/`);

/** The path of the request-target as sent (before '?' or '#'), or undefined for an absolute-form target. */
function rawPath(target: string): string | undefined {
  if (!target.startsWith('/')) return undefined;
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

/**
 * Serves GET /console (the page) and /console/<file> for the allow-listed
 * files. The file is chosen from the raw request-target, compared exactly
 * with the allow-list: dot segments, encoded or not, name no file, and
 * nothing under /console is ever mapped to another part of the disk.
 */
export function consoleRoutes(dir: string | undefined = findConsoleDir()): PublicRoute {
  return async (pathname, target) => {
    const raw = rawPath(target);
    if (!underConsole(pathname) && !(raw !== undefined && underConsole(raw))) return undefined;
    if (raw === undefined) return NOT_FOUND();
    const name = raw === CONSOLE_PREFIX || raw === `${CONSOLE_PREFIX}/` ? 'index.html' : raw.slice(CONSOLE_PREFIX.length + 1);
    const vendor = VENDOR_FILES.get(name);
    if (vendor) return serveFile(vendor.contentType, vendor.file);
    const contentType = CONSOLE_FILES.get(name);
    if (!contentType) return NOT_FOUND();
    if (!dir) return answer(404, 'text/plain; charset=utf-8', 'The console is not installed: its console/ folder was not found beside berth.\n');
    return serveFile(contentType, () => path.join(dir, name));
  };
}

async function serveFile(contentType: string, file: () => string): Promise<PublicResponse> {
  try {
    return answer(200, contentType, await readFile(file(), 'utf8'));
  } catch {
    return NOT_FOUND();
  }
}

/** The console's routes first, then `next` (the other public routes). */
export function withConsole(next: PublicRoute, dir?: string): PublicRoute {
  const serveConsole = consoleRoutes(dir);
  return async (pathname, target) => (await serveConsole(pathname, target)) ?? next(pathname, target);
}
