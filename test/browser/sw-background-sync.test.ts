// syncline/sw in real Chromium, built as shipped: the example worker (examples/sw-background-sync/sw.ts)
// and a test page are bundled with esbuild against the packed package. Background Sync drains the
// outbox after the page is gone; without SyncManager (Safari, Firefox) the page-side fallback drains
// on `online`, on becoming visible, on its timer, and flushes with a keepalive push when the page leaves.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createHttpTransport, createMemoryStore } from '../../src/index.js';
import { createSyncServer, tokenAuth, type SyncServer } from '../../src/server.js';
import { tempDir } from '../helpers/harness.js';
import { hasChromium, launchChromium, watchBackgroundSync } from './browser-harness.js';
import { buildSwFiles, serveSw, WITHOUT_SYNC_MANAGER, type BuiltFiles, type SwSite } from './sw-harness.js';

type Notes = {
  open(options?: { flush?: boolean; intervalMs?: number }): Promise<'background-sync' | 'fallback'>;
  write(from: number, count: number, size?: number): Promise<void>;
  pending(): Promise<number>;
  errors(): string[];
};
declare const notes: Notes;

const mustRun = process.env['CI'] === 'true';
const suite = hasChromium || mustRun ? describe : describe.skip;

suite('syncline/sw in Chromium (the built worker and page helper)', () => {
  const dir = tempDir('syncline-sw-');
  let files: BuiltFiles;
  const open: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    files = await buildSwFiles();
  }, 120_000);
  afterAll(async () => {
    files?.remove();
    dir.remove();
  });

  /** A fresh sync server (its own database, so its scope version counts only this test's writes) and site. */
  async function start(name: string, options: { withoutSyncManager?: boolean } = {}): Promise<{ sync: SyncServer; site: SwSite }> {
    const sync = createSyncServer({ database: { sqlite: join(dir.path, `${name}.db`) }, auth: tokenAuth({ demo: 'shop' }), collections: { notes: { writable: true } } });
    const site = await serveSw(sync, files, options);
    open.push(site, sync);
    return { sync, site };
  }
  async function stopAll(): Promise<void> {
    for (const o of open.splice(0).reverse()) await o.close();
  }

  /**
   * The notes the server holds and its scope version, as a fresh client pulls them. Every applied
   * write takes the next version, so version === number of writes proves none was applied twice.
   */
  async function serverState(sync: SyncServer): Promise<{ keys: string[]; version: number }> {
    const reader = await createClient({ store: createMemoryStore(), transport: createHttpTransport({ url: 'http://syncline.test', token: 'demo', fetch: (r) => sync.fetch(r) }), autoSync: false });
    try {
      await reader.sync();
      return { keys: (await reader.collection('notes').list()).map((r) => r.key), version: await reader.cursor() };
    } finally {
      await reader.close();
    }
  }
  const keys = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => `n-${String(from + i).padStart(4, '0')}`);

  it('Background Sync: writes queued offline reach the server once, through the worker, after the page is closed', async () => {
    const { sync, site } = await start('bg');
    const browser = await launchChromium();
    try {
      // A blank page keeps a DevTools session that outlives the app page, to read Chromium's
      // Background Sync log: it says when the sync event ended (after the worker's waitUntil settled).
      const watcher = await browser.context.newPage();
      const log = await watchBackgroundSync(await browser.context.newCDPSession(watcher));
      const page = await browser.context.newPage();
      await page.goto(site.url);
      expect(await page.evaluate(() => notes.open())).toBe('background-sync');
      await browser.context.setOffline(true); // the server is unreachable
      await page.evaluate(() => notes.write(1, 3)); // each write registers the 'syncline' sync; offline, it stays pending
      expect(await page.evaluate(() => notes.pending())).toBe(3);
      await page.close();

      const ended = log.outcome('syncline');
      await browser.context.setOffline(false); // connectivity is back: Chromium fires the pending sync in the worker
      const outcome = await within(ended, 30_000, () => `sync log: ${JSON.stringify(log.entries)}\nconsole:\n${browser.console.join('\n')}`);
      const diagnosis = `sync log: ${JSON.stringify(log.entries)}\nconsole:\n${browser.console.join('\n')}`;
      expect(outcome.eventName, diagnosis).toBe('Sync completed');
      expect(outcome.metadata['Status'], diagnosis).toBe('succeeded');
      expect(browser.console.some((line) => line.includes('worker: syncline: drained')), diagnosis).toBe(true);
      expect(await serverState(sync)).toEqual({ keys: keys(1, 3), version: 3 });
      expect(site.pushes.reduce((n, p) => n + p.mutations, 0), diagnosis).toBe(3); // sent once, by the worker
    } finally {
      await browser.close();
      await stopAll();
    }
  }, 90_000);

  it('without SyncManager: writes made offline drain when the page goes online, with no worker sync', async () => {
    const { sync, site } = await start('online', { withoutSyncManager: true });
    const browser = await launchChromium();
    try {
      await browser.context.addInitScript(WITHOUT_SYNC_MANAGER);
      const page = await browser.context.newPage();
      await page.goto(site.url);
      expect(await page.evaluate(() => notes.open({ intervalMs: 600_000 }))).toBe('fallback');
      await browser.context.setOffline(true);
      await page.evaluate(() => notes.write(1, 4));
      await browser.context.setOffline(false); // 'online' → the helper drains (autoSync is off: nothing else would)
      await expect.poll(() => page.evaluate(() => notes.pending()), { timeout: 20_000 }).toBe(0);
      expect(await serverState(sync)).toEqual({ keys: keys(1, 4), version: 4 });
      expect(await page.evaluate(() => notes.errors())).toEqual([]);
    } finally {
      await browser.close();
      await stopAll();
    }
  }, 90_000);

  it('without SyncManager: writes made while the server was down drain when the page becomes visible again', async () => {
    const { sync, site } = await start('visible', { withoutSyncManager: true });
    const browser = await launchChromium();
    try {
      await browser.context.addInitScript(WITHOUT_SYNC_MANAGER);
      const page = await browser.context.newPage();
      await page.goto(site.url);
      expect(await page.evaluate(() => notes.open({ intervalMs: 600_000 }))).toBe('fallback');
      site.down = true; // the browser still believes it is online: no 'online' event will come
      await page.evaluate(() => notes.write(1, 2));
      site.down = false;
      expect(await page.evaluate(() => notes.pending())).toBe(2);
      // Headless Chromium keeps every page visible (minimising or switching tabs changes nothing), so
      // the test sets what the page reads and fires the real event the browser would fire.
      await page.evaluate(() => {
        const set = (state: string): boolean => {
          Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
          return document.dispatchEvent(new Event('visibilitychange'));
        };
        set('hidden'); // no flush configured on this page: hiding sends nothing
        set('visible');
      });
      await expect.poll(() => page.evaluate(() => notes.pending()), { timeout: 20_000 }).toBe(0);
      expect(await serverState(sync)).toEqual({ keys: keys(1, 2), version: 2 });
    } finally {
      await browser.close();
      await stopAll();
    }
  }, 90_000);

  it('without SyncManager: the timer drains while the page stays open', async () => {
    const { sync, site } = await start('timer', { withoutSyncManager: true });
    const browser = await launchChromium();
    try {
      await browser.context.addInitScript(WITHOUT_SYNC_MANAGER);
      const page = await browser.context.newPage();
      await page.goto(site.url);
      site.down = true;
      expect(await page.evaluate(() => notes.open({ intervalMs: 300 }))).toBe('fallback');
      await page.evaluate(() => notes.write(1, 2));
      site.down = false;
      await expect.poll(() => page.evaluate(() => notes.pending()), { timeout: 20_000 }).toBe(0);
      expect(await serverState(sync)).toEqual({ keys: keys(1, 2), version: 2 });
    } finally {
      await browser.close();
      await stopAll();
    }
  }, 90_000);

  it('without SyncManager: leaving the page flushes the oldest writes with a keepalive push cut to 64 KiB', async () => {
    const { sync, site } = await start('flush', { withoutSyncManager: true });
    const browser = await launchChromium();
    try {
      await browser.context.addInitScript(WITHOUT_SYNC_MANAGER);
      const page = await browser.context.newPage();
      await page.goto(site.url);
      site.down = true; // writes made while the server cannot be reached stay pending
      expect(await page.evaluate(() => notes.open({ flush: true, intervalMs: 600_000 }))).toBe('fallback');
      await page.evaluate(() => notes.write(1, 10, 10_000)); // ~100 kB pending: more than one keepalive body may carry
      site.down = false;
      await page.close({ runBeforeUnload: false }); // pagehide → flush; only a keepalive request outlives the page
      await expect.poll(() => site.pushes.length, { timeout: 20_000 }).toBe(1);
      const [push] = site.pushes;
      expect(push!.bytes).toBeLessThanOrEqual(60 * 1024);
      expect(push!.mutations).toBe(6); // as many of the oldest as fit: 6 × ~10 kB
      expect(await serverState(sync)).toEqual({ keys: keys(1, 6), version: 6 });
    } finally {
      await browser.close();
      await stopAll();
    }
  }, 90_000);
});

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
