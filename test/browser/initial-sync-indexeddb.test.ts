// Real Chromium: a fresh client's initial sync into IndexedDB stores every record of the scope with
// its committed cursor; and a page killed in the middle of it leaves exactly the committed pages,
// from which a new page resumes and completes with nothing lost and nothing twice. No timing here:
// speed and main-thread blocking are `npm run bench -- --only initial-sync`.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createSyncServer, tokenAuth, type SyncServer } from '../../src/server.js';
import { seedReceiptDatabase, seedReceiptKey } from '../resume/fixtures/seed-receipts.js';
import { tempDir } from '../helpers/harness.js';
import { hasChromium, launchChromium, serveFixtures } from './browser-harness.js';
import type { InitialSyncOptions, InitialSyncRun } from './fixtures/initial-sync-app.js';

type Api = {
  run(o: InitialSyncOptions): Promise<InitialSyncRun>;
  start(o: InitialSyncOptions): void;
  hung(): number | undefined;
  contents(database: string): Promise<{ keys: string[]; numbers: number[]; cursor: number; pending: number }>;
};
declare const initialSync: Api;

const RECORDS = 3_000;
const PAGE = 500;
const TOKEN = 'till';

const mustRun = process.env['CI'] === 'true';
const suite = hasChromium || mustRun ? describe : describe.skip;
if (!hasChromium) process.stderr.write('browser tests skipped: /usr/bin/chromium is missing (apt-get install -y chromium)\n');

suite('initial sync into IndexedDB, in Chromium', () => {
  const dir = tempDir('syncline-initial-');
  let sync: SyncServer;
  let site: Awaited<ReturnType<typeof serveFixtures>>;
  const allKeys = Array.from({ length: RECORDS }, (_, i) => `receipts\u0000${seedReceiptKey(i + 1)}`);

  beforeAll(async () => {
    const db = join(dir.path, 'server.db');
    await seedReceiptDatabase(db, 'shop', RECORDS);
    sync = createSyncServer({ database: { sqlite: db }, auth: tokenAuth({ [TOKEN]: 'shop' }) });
    site = await serveFixtures(sync, { 'initial-sync': 'initial-sync-app.ts' });
  });
  afterAll(async () => {
    await site?.close();
    await sync?.close();
    dir.remove();
  });

  async function openPage(context: Awaited<ReturnType<typeof launchChromium>>['context']): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${site.url}/initial-sync.html`);
    await page.waitForFunction(() => 'initialSync' in globalThis);
    return page;
  }

  it(`stores all ${RECORDS.toLocaleString('en-US')} records, each once, with the cursor committed`, async () => {
    const browser = await launchChromium();
    try {
      const page = await openPage(browser.context);
      const run = await page.evaluate((o) => initialSync.run(o), { database: 'fresh', token: TOKEN, pageSize: PAGE });
      expect(run.outcome, run.error).toBe('completed');
      expect(run.pulled).toBe(RECORDS);
      const stored = await page.evaluate((name) => initialSync.contents(name), 'fresh');
      expect(stored.keys).toEqual(allKeys);
      expect(stored.numbers).toEqual(allKeys.map((_, i) => i + 1));
      expect(stored.cursor).toBe(RECORDS);
      expect(stored.pending).toBe(0);
    } finally {
      await browser.close();
    }
  }, 90_000);

  it('a page killed between pages keeps exactly the committed pages; a new page resumes there and completes', async () => {
    const browser = await launchChromium();
    try {
      const doomed = await openPage(browser.context);
      await doomed.evaluate((o) => initialSync.start(o), { database: 'killed', token: TOKEN, pageSize: PAGE, leaseMs: 1, hangAfterPages: 2 });
      await doomed.waitForFunction(() => initialSync.hung() !== undefined, undefined, { timeout: 60_000 });
      await doomed.close(); // the tab dies with its sync in flight

      const page = await openPage(browser.context);
      const left = await page.evaluate((name) => initialSync.contents(name), 'killed');
      expect(left.cursor).toBe(2 * PAGE);
      expect(left.keys).toEqual(allKeys.slice(0, 2 * PAGE));

      const run = await page.evaluate((o) => initialSync.run(o), { database: 'killed', token: TOKEN, pageSize: PAGE, leaseMs: 1 });
      expect(run.outcome, run.error).toBe('completed');
      expect(run.pulled).toBe(RECORDS - 2 * PAGE); // resumed at the checkpoint, not from zero
      const stored = await page.evaluate((name) => initialSync.contents(name), 'killed');
      expect(stored.keys).toEqual(allKeys);
      expect(stored.numbers).toEqual(allKeys.map((_, i) => i + 1));
      expect(stored.cursor).toBe(RECORDS);
      expect(stored.pending).toBe(0);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
