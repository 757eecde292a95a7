/**
 * A real browser for the console's end-to-end tests: Debian's Chromium
 * driven by playwright-core. Every page records what a user would never
 * want to see: errors in the console log, uncaught exceptions and CSP
 * violations (read from the page's securitypolicyviolation events and the
 * console). Screenshots of a failing test are kept under test-output/console/.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './berth-process.js';

export const CHROMIUM = process.env.BERTH_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-output', 'console');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

export interface WatchedPage {
  page: Page;
  /** Console errors, uncaught exceptions and CSP violations, in order. */
  problems: string[];
  /**
   * The API's error answers (Chromium logs each failed fetch as a console
   * error): "<status> <x-amz-target>", for the tests that provoke them to expect.
   */
  apiErrors: string[];
}

/** A page that records every console error, page error and CSP violation. */
export async function watchedPage(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  const apiErrors: string[] = [];
  const apiAnswers = new Set<string>();
  page.on('response', (response) => {
    const request = response.request();
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/' && response.status() >= 400) {
      apiAnswers.add(request.url());
      apiErrors.push(`${response.status()} ${request.headers()['x-amz-target'] ?? ''}`);
    }
  });
  page.on('console', (message) => {
    const text = message.text();
    // An error answer of the API is shown by the page; the test says which it expects (apiErrors).
    if (text.startsWith('Failed to load resource') && apiAnswers.has(message.location().url)) return;
    if (message.type() === 'error' || /Content Security Policy/i.test(text)) problems.push(`console.${message.type()}: ${text}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  // Runs before the page's own scripts (through the DevTools protocol, not as an inline script the CSP would block).
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) => {
      console.error('CSP violation: ' + event.violatedDirective + ' blocked ' + event.blockedURI);
    });`,
  });
  return { page, problems, apiErrors };
}

const axeSource = (async () => readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'))();

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** axe-core's serious and critical violations of what the page shows now. */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the page's CSP stays as it is.
  if (!(await page.evaluate(`'axe' in window`))) await page.evaluate(await axeSource);
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((result) =>
    result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) })))`)) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Keeps a screenshot of the page under test-output/console/, and says where. */
export async function keepScreenshot(page: Page, testName: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${testName.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 120)}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
