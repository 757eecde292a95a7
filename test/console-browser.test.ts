/**
 * The console end to end in a real browser (Debian's Chromium through
 * playwright-core), against a real berth with real engines: sign in,
 * create, every tab, a metrics graph with data, CA rotation in the window,
 * snapshot and restore, point-in-time restore, a parameter change, tags,
 * filters, delete; a policy-bound user told in words what the policy
 * refuses; the keyboard and a phone's width. Every test ends with no console
 * error, no uncaught exception, no CSP violation and no serious axe-core
 * violation. A failing test leaves its screenshot in test-output/console/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createClient, type Client } from '../console/api.js';
import { describeWhenAvailable } from '../src/engines/conformance/prerequisites.js';
import { BerthProcess } from './helpers/berth-process.js';
import { openSession } from './helpers/ha.js';
import { chromiumMissing, keepScreenshot, launchBrowser, seriousAccessibilityViolations, watchedPage, type WatchedPage } from './helpers/browser.js';
import { until } from './helpers/waiters.js';

const DB = 'web-db1';
const TABS = ['Connect', 'Metrics', 'Snapshots & backups', 'Logs', 'Parameters', 'Networking & settings', 'Tags', 'History'];
const READ_ONLY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['lightsail:Get*'], Resource: '*' },
    { Effect: 'Deny', Action: 'lightsail:GetRelationalDatabaseMasterUserPassword', Resource: '*' },
  ],
};

describeWhenAvailable('the console in a real browser', chromiumMissing(), () => {
  let berth: BerthProcess;
  let api: Client;
  let browser: Browser;
  let watched: WatchedPage;
  let page: Page;

  beforeAll(async () => {
    [berth, browser] = await Promise.all([BerthProcess.start({ extraArgs: ['--metrics-interval-ms', '1000'] }), launchBrowser()]);
    api = createClient({ endpoint: berth.url, accessKeyId: berth.accessKeyId, secretAccessKey: berth.secretAccessKey, region: berth.region });
    watched = await watchedPage(browser);
    page = watched.page;
  });

  beforeEach(() => {
    watched.problems.length = 0;
    watched.apiErrors.length = 0;
  });

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    const shot = await keepScreenshot(page, context.task.name).catch((error: unknown) => `no screenshot: ${String(error)}`);
    const shown = await page.locator('#errors').textContent().catch(() => '');
    if (await dialog().isVisible()) await dialog().locator('#dialog-cancel').click(); // the next test starts without it
    console.error(`screenshot: ${shot}\nerrors shown: ${shown}\nproblems in the page: ${JSON.stringify(watched.problems, null, 2)}\nAPI errors: ${watched.apiErrors.join(', ')}\nberth's last lines:\n${berth.lastLines(40)}`);
  });

  afterAll(async () => {
    await browser?.close();
    await berth?.dispose();
  });

  /**
   * The page had no console error, uncaught exception or CSP violation, the
   * API answered no error but those expected (matched in order, e.g. /^403 .*RebootRelationalDatabase$/),
   * and axe finds nothing serious in the page now.
   */
  async function expectCleanPage(expectedApiErrors: RegExp[] = []): Promise<void> {
    expect(watched.problems).toEqual([]);
    expect(watched.apiErrors).toHaveLength(expectedApiErrors.length);
    expectedApiErrors.forEach((pattern, index) => expect(watched.apiErrors[index]).toMatch(pattern));
    watched.apiErrors.length = 0;
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  }

  const dialog = () => page.locator('#dialog');
  async function confirmDialog(): Promise<void> {
    await dialog().locator('#dialog-confirm').click();
    await expect.poll(() => dialog().isVisible()).toBe(false);
  }
  const tab = (label: string) => page.getByRole('tab', { name: label, exact: true });
  async function openTab(label: string) {
    await tab(label).click();
    await expect.poll(() => page.locator('[role="tabpanel"]').getAttribute('aria-labelledby')).toBe(`tab-${await tab(label).getAttribute('data-tab')}`);
    return page.locator('[role="tabpanel"]');
  }
  const row = (name: string) => page.locator('#databases tbody tr', { has: page.getByText(name, { exact: true }) });
  async function stateOf(name: string): Promise<string | undefined> {
    const found = await api.all('GetRelationalDatabases', {}, 'relationalDatabases');
    return found.find((db) => db.name === name)?.state;
  }
  /** Waits for a database to be available; an error the console shows ends the wait at once. */
  async function availableOrShownError(name: string, timeoutMs = 150_000): Promise<void> {
    let shown = '';
    await until(`${name} to be available`, async () => {
      shown = (await page.locator('#errors .message.error').allTextContents()).join(' | ');
      if (shown) return 'error';
      return (await stateOf(name)) === 'available' ? 'available' : undefined;
    }, timeoutMs, 500);
    expect(shown, 'an error shown by the console').toBe('');
  }
  async function selectDatabase(name: string): Promise<void> {
    await row(name).click();
    await expect.poll(() => page.locator('#details-title').textContent()).toBe(name);
  }
  async function signIn(accessKeyId: string, secretAccessKey: string): Promise<void> {
    await page.goto(`${berth.url}/console`);
    await page.getByLabel('Access key id').fill(accessKeyId);
    await page.getByLabel('Secret access key').fill(secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#main').isVisible()).toBe(true);
  }

  it('signs in with the root key and lists no databases yet', async () => {
    await page.goto(`${berth.url}/console`);
    await expectCleanPage();
    await signIn(berth.accessKeyId, berth.secretAccessKey);
    await expect.poll(() => page.locator('#empty').isVisible()).toBe(true);
    expect(await page.locator('#who').textContent()).toContain(berth.accessKeyId);
    await expectCleanPage();
  });

  it('creates a database through the dialog and sees it become available', async () => {
    await page.getByRole('button', { name: 'Create database…' }).click();
    await dialog().getByLabel('Name', { exact: true }).fill(DB);
    await dialog().getByLabel('Tags').fill('team=web, env=test');
    await expectCleanPage();
    await confirmDialog();
    await expect.poll(() => row(DB).count()).toBe(1);
    await availableOrShownError(DB);
    await expect.poll(() => row(DB).locator('.state').textContent(), { timeout: 15_000 }).toBe('available');
    expect(await row(DB).textContent()).toContain('team=web');
    await expectCleanPage();
  });

  it('opens every tab by mouse and keyboard, each without an error or a serious accessibility violation', async () => {
    await selectDatabase(DB);
    for (const label of TABS) {
      const panel = await openTab(label);
      await expect.poll(() => panel.getByText('Loading…').count(), { timeout: 30_000 }).toBe(0);
      expect(await panel.locator('.message.error').count(), `errors in the ${label} tab`).toBe(0);
      await expectCleanPage();
    }
    expect(await tab('High availability').count()).toBe(0); // not an HA bundle
    // The WAI-ARIA tabs pattern: arrows move between tabs, one tab stop.
    await tab('Connect').click();
    await tab('Connect').focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => tab('Metrics').getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('End');
    await expect.poll(() => tab('History').getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => tab('Connect').getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('[role="tab"][tabindex="0"]').count()).toBe(1);
  });

  it('connects: shows verified command lines, the CA bundle link and the master password on request', async () => {
    const panel = await openTab('Connect');
    const commands = await panel.locator('pre.command').textContent();
    expect(commands).toMatch(/sslmode=verify-full/);
    expect(commands).toMatch(/sslrootcert=rds-ca-/);
    const href = await panel.getByRole('link', { name: /\.pem$/ }).getAttribute('href');
    const bundle = await page.request.get(`${berth.url}${href}`);
    expect(await bundle.text()).toContain('-----BEGIN CERTIFICATE-----');
    await panel.getByRole('button', { name: 'Show master password' }).click();
    const expected = (await api.call('GetRelationalDatabaseMasterUserPassword', { relationalDatabaseName: DB })).masterUserPassword;
    await expect.poll(() => panel.locator('[data-testid="master-password"]').textContent()).toBe(expected);
    const password = async () => (await api.call('GetRelationalDatabaseMasterUserPassword', { relationalDatabaseName: DB })).masterUserPassword as string;

    await panel.getByRole('button', { name: 'Rotate password…' }).click();
    await confirmDialog();
    const rotated = await until('a rotated password', async () => {
      const current = await password();
      return current !== expected && (await stateOf(DB)) === 'available' ? current : undefined;
    }, 60_000, 300);
    await panel.getByRole('button', { name: 'Show master password' }).click();
    await expect.poll(() => panel.locator('[data-testid="master-password"]').textContent()).toBe(rotated);

    await panel.getByRole('button', { name: 'Change password…' }).click();
    await dialog().getByLabel(/New master password/).fill('Console-Chosen-9');
    await confirmDialog();
    await until('the chosen password', async () => ((await password()) === 'Console-Chosen-9' && (await stateOf(DB)) === 'available' ? true : undefined), 60_000, 300);
    await panel.getByRole('button', { name: 'Show master password' }).click();
    await expect.poll(() => panel.locator('[data-testid="master-password"]').textContent()).toBe('Console-Chosen-9');
    await expectCleanPage();
  });

  it('draws the metrics graphs with data, over each range', async () => {
    const panel = await openTab('Metrics');
    const cpu = panel.locator('figure.chart[data-metric="CPUUtilization"]');
    await until('datapoints in the CPU graph', async () => {
      const points = Number(await cpu.getAttribute('data-points'));
      if (points > 0) return true;
      await page.locator('#metrics-range').selectOption('6 hours');
      await page.locator('#metrics-range').selectOption('1 hour');
      return undefined;
    }, 90_000, 2_000);
    expect(await panel.locator('figure.chart canvas').count()).toBe(8);
    // Something was drawn on the canvas: not every pixel is the same.
    const distinctColours = await cpu.locator('canvas').evaluate((canvas: any) => {
      const { width, height } = canvas;
      const pixels = canvas.getContext('2d').getImageData(0, 0, width, height).data;
      const colours = new Set<number>();
      for (let i = 0; i < pixels.length; i += 16) colours.add((pixels[i] << 24) | (pixels[i + 1] << 16) | (pixels[i + 2] << 8) | pixels[i + 3]);
      return colours.size;
    });
    expect(distinctColours).toBeGreaterThan(2);
    for (const range of ['6 hours', '1 day', '1 week', '2 weeks']) {
      await page.locator('#metrics-range').selectOption(range);
      await expect.poll(() => panel.locator('figcaption').first().textContent(), { timeout: 20_000 }).toMatch(new RegExp(`per ${{ '6 hours': 5, '1 day': 15, '1 week': 60, '2 weeks': 120 }[range]} min`));
    }
    expect(await panel.locator('.message.error').count()).toBe(0);
    await expectCleanPage();
  });

  it('rotates the CA in the maintenance window and shows the pending action, then applies it now', async () => {
    const before = (await api.call('GetRelationalDatabase', { relationalDatabaseName: DB })).relationalDatabase.caCertificateIdentifier;
    const panel = await openTab('Networking & settings');
    await panel.locator('#ca-choice').selectOption('rds-ca-ecc384-g1');
    await panel.locator('#ca-when').selectOption('window');
    await panel.getByRole('button', { name: 'Rotate CA…' }).click();
    await confirmDialog();
    await expect.poll(() => panel.locator('.pending-action').textContent(), { timeout: 15_000 }).toMatch(/ca-certificate-rotation.*rds-ca-ecc384-g1/s);
    expect(await row(DB).textContent()).toContain('maintenance pending');
    expect((await api.call('GetRelationalDatabase', { relationalDatabaseName: DB })).relationalDatabase.caCertificateIdentifier).toBe(before);
    await panel.getByRole('button', { name: 'Apply now…' }).click();
    await confirmDialog();
    await until('the rotation to be applied', async () => {
      const db = (await api.call('GetRelationalDatabase', { relationalDatabaseName: DB })).relationalDatabase;
      return db.caCertificateIdentifier === 'rds-ca-ecc384-g1' && db.state === 'available' ? true : undefined;
    }, 60_000, 500);
    await expect.poll(() => panel.getByText('Nothing is waiting for the maintenance window.').count(), { timeout: 15_000 }).toBe(1);
    await expectCleanPage();
  });

  it('changes settings: public access, backup and maintenance windows', async () => {
    const panel = await openTab('Networking & settings');
    await panel.locator('#backup-window').fill('03:10-03:40');
    await panel.locator('#maintenance-window').fill('sun:10:00-sun:10:30');
    await panel.getByLabel(/Publicly accessible/).check();
    await panel.getByRole('button', { name: 'Save settings…' }).click();
    for (const member of ['preferredBackupWindow', 'preferredMaintenanceWindow', 'publiclyAccessible']) expect(await dialog().textContent()).toContain(member);
    await confirmDialog();
    await until('the new settings', async () => {
      const db = (await api.call('GetRelationalDatabase', { relationalDatabaseName: DB })).relationalDatabase;
      return db.preferredBackupWindow === '03:10-03:40' && db.preferredMaintenanceWindow === 'sun:10:00-sun:10:30' && db.publiclyAccessible === true ? true : undefined;
    });
    await expect.poll(() => row(DB).textContent(), { timeout: 15_000 }).toContain('public');
    await expectCleanPage();
  });

  it('changes a parameter immediately, and marks a pending-reboot one until the reboot', async () => {
    const panel = await openTab('Parameters');
    await panel.locator('#parameter-search').fill('work_mem');
    const workMem = panel.locator('tr[data-parameter="work_mem"]');
    await expect.poll(() => workMem.count(), { timeout: 30_000 }).toBe(1);
    for (const text of await panel.locator('tbody tr').allTextContents()) expect(text).toContain('work_mem');
    await workMem.getByRole('button', { name: 'Edit work_mem' }).click();
    await dialog().getByLabel('New value of work_mem').fill('8192');
    await dialog().getByLabel('Apply method').selectOption('immediate');
    await confirmDialog();
    await expect.poll(() => workMem.locator('td').nth(1).textContent(), { timeout: 30_000 }).toMatch(/^8192/);

    await panel.locator('#parameter-search').fill('max_connections');
    const maxConnections = panel.locator('tr[data-parameter="max_connections"]');
    await maxConnections.getByRole('button', { name: 'Edit max_connections' }).click();
    await dialog().getByLabel('New value of max_connections').fill('60');
    await confirmDialog();
    await expect.poll(() => maxConnections.textContent(), { timeout: 30_000 }).toContain('pending reboot');
    await page.getByRole('button', { name: 'Reboot', exact: true }).click();
    await confirmDialog();
    await until(`${DB} rebooted`, async () => {
      const db = (await api.call('GetRelationalDatabase', { relationalDatabaseName: DB })).relationalDatabase;
      return db.state === 'available' && db.parameterApplyStatus === 'in-sync' ? true : undefined;
    }, 90_000, 500);
    await expect.poll(async () => (await maxConnections.textContent()) ?? '', { timeout: 30_000 }).toMatch(/^max_connections.*60(?!.*pending reboot)/s);
    await expectCleanPage();
  });

  it('reads a log stream newest first, filters it, and pages back and forth', async () => {
    // More than a page (100 events) of statements in the server's log.
    await api.call('UpdateRelationalDatabaseParameters', {
      relationalDatabaseName: DB, parameters: [{ parameterName: 'log_statement', parameterValue: 'all', applyMethod: 'immediate' }],
    });
    const db = (await api.call('GetRelationalDatabase', { relationalDatabaseName: DB })).relationalDatabase;
    const ca = await (await fetch(`${berth.url}/certificates/${db.caCertificateIdentifier}.pem`)).text();
    const session = await openSession('postgres', { port: db.masterEndpoint.port, user: 'appadmin', database: 'app', password: 'Console-Chosen-9' }, ca);
    try {
      for (let i = 0; i < 150; i++) await session.query(`SELECT ${i} AS console_log_marker`);
    } finally {
      await session.end();
    }
    const panel = await openTab('Logs');
    const rows = panel.locator('table.log tbody tr');
    await until('the newest statements in the log', async () => {
      if ((await panel.locator('table.log').textContent() ?? '').includes('SELECT 149 AS console_log_marker')) return true;
      await panel.getByRole('button', { name: 'Newest' }).click();
      return undefined;
    }, 30_000, 1_000);
    const times = await panel.locator('table.log tbody tr td:first-child').allTextContents();
    expect([...times].sort().reverse()).toEqual(times);
    const newest = await rows.allTextContents();

    await panel.getByRole('button', { name: '← Older' }).click();
    await expect.poll(async () => (await rows.allTextContents()).join('\n'), { timeout: 15_000 }).not.toBe(newest.join('\n'));
    const older = await rows.allTextContents();
    expect(older.join('\n')).not.toContain('SELECT 149 AS console_log_marker');
    await panel.getByRole('button', { name: 'Newer →' }).click();
    await expect.poll(async () => (await rows.allTextContents()).join('\n'), { timeout: 15_000 }).toContain('SELECT 149 AS console_log_marker');

    await panel.locator('#log-filter').fill('SELECT 148 AS console_log_marker');
    await expect.poll(() => rows.count()).toBe(1);
    await panel.locator('#log-filter').fill('no-such-text-in-any-log');
    await expect.poll(() => panel.getByText('No event on this page matches the filter.').count()).toBe(1);
    await panel.locator('#log-filter').fill('');
    await expectCleanPage();
  });

  it('adds and removes a tag, and filters the list by tag, engine and state', async () => {
    const panel = await openTab('Tags');
    await panel.locator('#tag-key').fill('owner');
    await panel.locator('#tag-value').fill('alice');
    await panel.getByRole('button', { name: 'Add tag…' }).click();
    await confirmDialog();
    await expect.poll(() => panel.locator('tbody').textContent(), { timeout: 15_000 }).toContain('alice');
    await page.locator('#filter-tag').fill('owner=alice');
    await expect.poll(() => row(DB).count()).toBe(1);
    await page.locator('#filter-tag').fill('owner=bob');
    await expect.poll(() => row(DB).count()).toBe(0);
    await page.locator('#filter-tag').fill('');
    await page.locator('#filter-engine').selectOption('mysql');
    await expect.poll(() => row(DB).count()).toBe(0);
    await page.locator('#filter-engine').selectOption('postgres');
    await page.locator('#filter-state').selectOption('available');
    await expect.poll(() => row(DB).count()).toBe(1);
    await page.locator('#filter-engine').selectOption('');
    await page.locator('#filter-state').selectOption('');
    await panel.getByRole('button', { name: 'Remove tag owner' }).click();
    await confirmDialog();
    await expect.poll(() => panel.locator('tbody').textContent(), { timeout: 15_000 }).not.toContain('alice');
    await expectCleanPage();
  });

  it('takes a snapshot and restores it into a new database with a chosen bundle', async () => {
    const panel = await openTab('Snapshots & backups');
    await panel.getByRole('button', { name: 'Take snapshot…' }).click();
    await dialog().getByLabel('Snapshot name').fill(`${DB}-snap`);
    await confirmDialog();
    await until('the snapshot', async () => {
      const snapshots = await api.all('GetRelationalDatabaseSnapshots', {}, 'relationalDatabaseSnapshots');
      return snapshots.find((s) => s.name === `${DB}-snap`)?.state === 'available' ? true : undefined;
    }, 90_000, 500);
    await panel.getByRole('button', { name: 'Refresh' }).click();
    await panel.getByRole('button', { name: `Restore ${DB}-snap` }).click();
    await dialog().getByLabel('New database name').fill('web-from-snap');
    await dialog().getByLabel('Bundle of the new database').selectOption('small_2_0');
    await confirmDialog();
    await availableOrShownError('web-from-snap');
    const restored = (await api.call('GetRelationalDatabase', { relationalDatabaseName: 'web-from-snap' })).relationalDatabase;
    expect(restored.relationalDatabaseBundleId).toBe('small_2_0');
    await expectCleanPage();
  });

  it('draws the restorable window and restores to a chosen second inside it', async () => {
    await selectDatabase(DB);
    const panel = await openTab('Snapshots & backups');
    await expect.poll(() => panel.locator('svg.timeline').count(), { timeout: 30_000 }).toBe(1);
    expect(await panel.locator('svg.timeline circle.backup').count()).toBeGreaterThan(0);
    // A whole second strictly inside the window: it grows as the archive does.
    const when = panel.getByLabel('Restore time (UTC, to the second)');
    await until('a restorable window of more than a second', async () => {
      if ((await when.getAttribute('min'))! < (await when.getAttribute('max'))!) return true;
      await panel.getByRole('button', { name: 'Refresh' }).click();
      return undefined;
    }, 120_000, 2_000);
    const latest = await when.getAttribute('max');
    await panel.getByLabel('Use the latest restorable time instead').uncheck();
    await panel.getByLabel('Restore time (UTC, to the second)').fill(latest!);
    await panel.getByRole('button', { name: 'Restore to this time…' }).click();
    await expect.poll(() => dialog().locator('#dialog-title').textContent()).toContain(`to ${latest!.replace('T', ' ')} UTC?`);
    await dialog().getByLabel('New database name').fill('web-pitr');
    await confirmDialog();
    await availableOrShownError('web-pitr');
    await expectCleanPage();
  }, 300_000);

  it('shows the API error of a refused action: __type, code and message', async () => {
    await selectDatabase(DB);
    const panel = await openTab('Networking & settings');
    await panel.locator('#backup-window').fill('25:00-26:00');
    await panel.getByRole('button', { name: 'Save settings…' }).click();
    await confirmDialog();
    const error = page.locator('#errors .message.error');
    await expect.poll(() => error.textContent(), { timeout: 15_000 }).toMatch(/__type: InvalidInputException.*code: InvalidInput.*message: Invalid preferredBackupWindow '25:00-26:00'/s);
    await error.getByRole('button', { name: 'Dismiss' }).click();
    await expectCleanPage([/^400 Lightsail_20161128\.UpdateRelationalDatabase$/]);
  });

  it('fits a phone: no sideways scrolling of the page, every tab reachable', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const label of TABS) {
        await openTab(label);
        await page.waitForTimeout(300);
        const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        const wide = await page.evaluate(`[...document.querySelectorAll('body *')].filter((node) => node.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !node.closest('.scroll')).slice(0, 5).map((node) => node.tagName + '.' + node.className + ' ' + (node.id || '') + ' ' + Math.round(node.getBoundingClientRect().right))`);
        expect(overflow, `sideways overflow in ${label} at 390 px: ${JSON.stringify(wide)}`).toBeLessThanOrEqual(0);
      }
      await expectCleanPage();
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('shows an HA database: the primary\'s zone, the standby\'s health and lag, and a High availability tab only for it', async () => {
    await api.call('CreateRelationalDatabase', {
      relationalDatabaseName: 'web-ha', relationalDatabaseBlueprintId: 'postgres_17', relationalDatabaseBundleId: 'micro_ha_2_0',
      masterDatabaseName: 'app', masterUsername: 'appadmin',
    });
    try {
      await availableOrShownError('web-ha');
      await expect.poll(() => row('web-ha').textContent(), { timeout: 15_000 }).toContain('HA');
      await selectDatabase('web-ha');
      const panel = await openTab('High availability');
      await expect.poll(async () => (await panel.locator('dl.summary').textContent()) ?? '', { timeout: 120_000, interval: 500 })
        .toMatch(/Primary zoneus-east-1a \(running\)Standby zoneus-east-1b \(running\)Commitssynchronous.*Replication lag\d+ bytes/s);
      expect(await panel.textContent()).toContain('No failover yet.');
      await expectCleanPage();
    } finally {
      await api.call('DeleteRelationalDatabase', { relationalDatabaseName: 'web-ha', skipFinalSnapshot: true });
    }
  });

  it('says in words what a policy-bound user may not do, and still shows what it may', async () => {
    const created = await api.call('BerthAdmin_20261127.CreateUser', { userName: 'viewer', policyDocument: JSON.stringify(READ_ONLY_POLICY) });
    const keys = created.accessKey ?? created;
    await page.getByRole('button', { name: 'Forget keys' }).click();
    await signIn(keys.accessKeyId, keys.secretAccessKey);
    await expect.poll(() => row(DB).count(), { timeout: 15_000 }).toBe(1);
    await selectDatabase(DB);
    let panel = await openTab('Connect');
    await panel.getByRole('button', { name: 'Show master password' }).click();
    await expect.poll(() => panel.locator('.message.denied').textContent()).toMatch(/your access policy does not allow this.*AccessDeniedException.*AccessDenied.*lightsail:GetRelationalDatabaseMasterUserPassword/s);
    panel = await openTab('Snapshots & backups');
    await expect.poll(() => panel.locator('.message.denied').textContent(), { timeout: 15_000 }).toMatch(/berth:GetRelationalDatabaseBackups/);
    expect(await panel.locator('tbody').first().textContent()).toContain(`${DB}-snap`);
    await page.getByRole('button', { name: 'Reboot', exact: true }).click();
    await confirmDialog();
    await expect.poll(() => page.locator('#errors .message.denied').textContent()).toMatch(/your access policy does not allow this.*lightsail:RebootRelationalDatabase/s);
    expect(await stateOf(DB)).toBe('available');
    await expectCleanPage([
      /^403 Lightsail_20161128\.GetRelationalDatabaseMasterUserPassword$/,
      /^403 BerthAdmin_20261127\.GetRelationalDatabaseBackups$/,
      /^403 Lightsail_20161128\.RebootRelationalDatabase$/,
    ]);
    await page.getByRole('button', { name: 'Forget keys' }).click();
    await signIn(berth.accessKeyId, berth.secretAccessKey);
  });

  it('deletes a snapshot, then the databases, through the console', async () => {
    await selectDatabase(DB);
    const panel = await openTab('Snapshots & backups');
    await panel.getByRole('button', { name: `Delete ${DB}-snap` }).click();
    await confirmDialog();
    await until('the snapshot to be gone', async () => {
      const snapshots = await api.all('GetRelationalDatabaseSnapshots', {}, 'relationalDatabaseSnapshots');
      return snapshots.some((snapshot) => snapshot.name === `${DB}-snap`) ? undefined : true;
    }, 30_000, 300);
    await expect.poll(() => panel.getByText('No snapshots of this database.').count(), { timeout: 15_000 }).toBe(1);
    for (const name of ['web-pitr', 'web-from-snap', DB]) {
      await expect.poll(() => row(name).count(), { timeout: 15_000 }).toBe(1);
      await selectDatabase(name);
      await page.getByRole('button', { name: 'Delete…' }).click();
      await dialog().getByLabel('Skip the final snapshot').check();
      await dialog().getByLabel(/Type the database name/).fill(`${name}-not`);
      await dialog().locator('#dialog-confirm').click();
      expect(await dialog().locator('.problem').textContent()).toContain(`Type ${name} exactly`);
      await dialog().getByLabel(/Type the database name/).fill(name);
      await confirmDialog();
      await expect.poll(() => row(name).count(), { timeout: 90_000 }).toBe(0);
    }
    await expectCleanPage();
  });
});
