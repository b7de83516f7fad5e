// Real Chromium: a till on IndexedDB sells offline, survives a reload, drains exactly once when the
// network returns; and a service worker drains the outbox through Background Sync with no page open.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncServer, tokenAuth, type SyncServer } from '../../src/server.js';
import { receiptHandlers } from '../../src/receipts.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { serverView, tempDir } from '../helpers/harness.js';
import { hasChromium, launchChromium, serveFixtures, watchBackgroundSync } from './browser-harness.js';

type Till = {
  open(autoSync: boolean, withTabs?: boolean): Promise<string>;
  heard(): string[];
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

  /** The server's receipts with keys in [from, to), once there are `count` of them (or after 20 s). */
  async function waitForServer(from: string, to: string, count: number, timeoutMs = 20_000): Promise<Array<{ key: string; value: Record<string, unknown> }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = await serverView(createHttpTransport({ url: site.url, token: 'till' }), 'receipts');
      const docs = all.filter((d) => d.key >= from && d.key < to);
      if (docs.length >= count || Date.now() > deadline) return docs;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** `promise`, or a failure saying what was seen when it has not settled within `ms`. */
  async function within<T>(promise: Promise<T>, ms: number, seen: () => string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms; ${seen()}`)), ms)));
    try {
      return await Promise.race([promise, deadline]);
    } finally {
      clearTimeout(timer);
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
      const docs = await waitForServer('r-0001', 'r-0100', 7);
      expect(docs.map((d) => d.key)).toEqual(['r-0001', 'r-0002', 'r-0003', 'r-0004', 'r-0005', 'r-0006', 'r-0007']);
      expect(docs.map((d) => d.value['documentNumber'])).toEqual([1, 2, 3, 4, 5, 6, 7]);
      await expect.poll(() => page.evaluate(() => till.pending()), { timeout: 10_000 }).toBe(0);
      await expect.poll(async () => (await page.evaluate(() => till.receipts())).every((r) => r.documentNumber !== null), { timeout: 10_000 }).toBe(true);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('two tabs writing at once into one IndexedDB outbox lose nothing; the leader syncs for both', async () => {
    const browser = await launchChromium();
    try {
      const [a, b] = [await browser.context.newPage(), await browser.context.newPage()];
      for (const page of [a, b]) await page.goto(`${site.url}/?tabs`);
      await browser.context.setOffline(true);
      const [idA, idB] = [await a.evaluate(() => till.open(true, true)), await b.evaluate(() => till.open(true, true))];
      expect(idB).toBe(idA); // one database, one client identity, one outbox
      await Promise.all([a.evaluate(() => till.sell(200, 15)), b.evaluate(() => till.sell(300, 15))]);
      expect(await a.evaluate(() => till.pending())).toBe(30);
      // Each tab hears every write of the other through the tab channel (delivered asynchronously,
      // possibly after the writer's last write resolved: wait for it rather than sample once).
      const keys = (from: number): string[] => Array.from({ length: 15 }, (_, i) => `local:r-${String(from + i).padStart(4, '0')}`);
      await expect.poll(() => a.evaluate(() => till.heard()), { timeout: 10_000 }).toEqual(expect.arrayContaining(keys(300)));
      await expect.poll(() => b.evaluate(() => till.heard()), { timeout: 10_000 }).toEqual(expect.arrayContaining(keys(200)));

      await browser.context.setOffline(false);
      const docs = await waitForServer('r-0200', 'r-0400', 30);
      expect(docs).toHaveLength(30); // every write of both tabs, none twice (keys are unique per write)
      const numbers = docs.map((d) => Number(d.value['documentNumber'])).sort((x, y) => x - y);
      expect(new Set(numbers).size).toBe(30);
      await expect.poll(() => b.evaluate(() => till.pending()), { timeout: 10_000 }).toBe(0);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('a service worker drains the outbox through Background Sync after the page is gone', async () => {
    const browser = await launchChromium();
    try {
      // A second, blank page holds a DevTools session that outlives the app page: it reads
      // Chromium's Background Sync log, which says when the sync event Chromium fired has ended.
      const watcher = await browser.context.newPage();
      const backgroundSync = await watchBackgroundSync(await browser.context.newCDPSession(watcher));

      const page = await browser.context.newPage();
      await page.goto(site.url);
      await page.evaluate(() => till.installServiceWorker());
      await page.evaluate(() => till.open(false));
      await browser.context.setOffline(true);
      await page.evaluate(() => till.sell(100, 3));
      await page.evaluate(() => till.requestBackgroundSync()); // offline: the sync stays pending
      await page.close();

      const ended = backgroundSync.outcome('syncline');
      await browser.context.setOffline(false); // Chromium fires the pending 'sync' event in the worker
      // Wait for the event's end, not for the receipts on the server: the server has them while the
      // worker is still pulling, closing its client and reporting (the earlier flakiness).
      const outcome = await within(ended, 30_000, () => `Chromium's Background Sync log: ${JSON.stringify(backgroundSync.entries)}`);
      const diagnosis = `Background Sync log: ${JSON.stringify(backgroundSync.entries)}\nconsole:\n${browser.console.join('\n')}\nworker reports: ${JSON.stringify(site.log)}`;
      expect(outcome.eventName, diagnosis).toBe('Sync completed');
      expect(outcome.metadata['Status'], diagnosis).toBe('succeeded');
      expect(site.log, diagnosis).toEqual(['sync: drained']);
      const docs = (await serverView(createHttpTransport({ url: site.url, token: 'till' }), 'receipts')).filter((d) => d.key >= 'r-0100' && d.key < 'r-0200');
      expect(docs.map((d) => d.key)).toEqual(['r-0100', 'r-0101', 'r-0102']);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
