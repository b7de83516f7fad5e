// Real Chromium: a till on IndexedDB sells offline, survives a reload, drains exactly once when the
// network returns; and a service worker drains the outbox through Background Sync with no page open.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncServer, tokenAuth, type SyncServer } from '../../src/server.js';
import { receiptHandlers } from '../../src/receipts.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { serverView, tempDir } from '../helpers/harness.js';
import { hasChromium, launchChromium, serveFixtures } from './browser-harness.js';

type Till = {
  open(autoSync: boolean): Promise<string>;
  sell(from: number, count: number): Promise<void>;
  pending(): Promise<number>;
  receipts(): Promise<Array<{ key: string; documentNumber: number | null }>>;
  installServiceWorker(): Promise<void>;
  requestBackgroundSync(): Promise<void>;
};
declare const till: Till;

const mustRun = process.env['CI'] === 'true';
const suite = hasChromium || mustRun ? describe : describe.skip;
if (!hasChromium) process.stderr.write('browser tests skipped: /usr/bin/chromium is missing (apt-get install -y chromium)\n');

suite('in Chromium', () => {
  const dir = tempDir('syncline-browser-');
  let sync: SyncServer;
  let site: Awaited<ReturnType<typeof serveFixtures>>;

  beforeAll(async () => {
    sync = createSyncServer({ database: { sqlite: join(dir.path, 'server.db') }, auth: tokenAuth({ till: 'shop' }), mutations: receiptHandlers });
    site = await serveFixtures(sync);
  });
  afterAll(async () => {
    await site?.close();
    await sync?.close();
    dir.remove();
  });

  async function waitForServer(count: number): Promise<Array<{ key: string; value: Record<string, unknown> }>> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const docs = await serverView(createHttpTransport({ url: site.url, token: 'till' }), 'receipts');
      if (docs.length >= count || Date.now() > deadline) return docs;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('sells offline on IndexedDB, keeps the outbox across a reload, and drains once online', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(site.url);
      await page.evaluate(() => till.installServiceWorker()); // caches the app shell for offline starts
      const clientId = await page.evaluate(() => till.open(true));
      await browser.context.setOffline(true);
      await page.evaluate(() => till.sell(1, 5));
      expect(await page.evaluate(() => till.pending())).toBe(5);

      await page.reload(); // the app restarts while still offline
      expect(await page.evaluate(() => till.open(true))).toBe(clientId);
      expect(await page.evaluate(() => till.pending())).toBe(5);
      await page.evaluate(() => till.sell(6, 2));

      await browser.context.setOffline(false); // the 'online' event kicks the sync loop
      const docs = await waitForServer(7);
      expect(docs.map((d) => d.key)).toEqual(['r-0001', 'r-0002', 'r-0003', 'r-0004', 'r-0005', 'r-0006', 'r-0007']);
      expect(docs.map((d) => d.value['documentNumber'])).toEqual([1, 2, 3, 4, 5, 6, 7]);
      await expect.poll(() => page.evaluate(() => till.pending()), { timeout: 10_000 }).toBe(0);
      await expect.poll(async () => (await page.evaluate(() => till.receipts())).every((r) => r.documentNumber !== null), { timeout: 10_000 }).toBe(true);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('a service worker drains the outbox through Background Sync after the page is gone', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(site.url);
      await page.evaluate(() => till.installServiceWorker());
      await page.evaluate(() => till.open(false));
      await browser.context.setOffline(true);
      await page.evaluate(() => till.sell(100, 3));
      await page.evaluate(() => till.requestBackgroundSync()); // offline: the sync stays pending
      await page.close();

      await browser.context.setOffline(false); // Chromium fires the pending 'sync' event in the worker
      const docs = await waitForServer(10);
      expect(site.log).toContain('sync: drained');
      expect(docs.filter((d) => d.key >= 'r-0100').map((d) => d.key)).toEqual(['r-0100', 'r-0101', 'r-0102']);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
