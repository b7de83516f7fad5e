// Periodic Background Sync with the built syncline/sw: the page registers it once the permission is
// granted (through CDP, as an installed app would have it), and Chromium's periodic event — fired
// through CDP `ServiceWorker.dispatchPeriodicSyncEvent`, since real ones come at most every 12 hours —
// makes the worker pull a change made elsewhere into IndexedDB while no page is open.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createHttpTransport, createMemoryStore } from '../../src/index.js';
import { createSyncServer, tokenAuth } from '../../src/server.js';
import { tempDir } from '../helpers/harness.js';
import { hasChromium, launchChromium } from './browser-harness.js';
import { buildSwFiles, serveSw, type BuiltFiles } from './sw-harness.js';

type Notes = {
  open(options?: { periodicMs?: number }): Promise<'background-sync' | 'fallback'>;
  periodic(): 'registered' | 'off' | 'unavailable';
  list(): Promise<string[]>;
};
declare const notes: Notes;

const suite = hasChromium || process.env['CI'] === 'true' ? describe : describe.skip;

suite('syncline/sw Periodic Background Sync in Chromium', () => {
  const dir = tempDir('syncline-sw-periodic-');
  let files: BuiltFiles;
  beforeAll(async () => {
    files = await buildSwFiles();
  }, 120_000);
  afterAll(() => {
    files?.remove();
    dir.remove();
  });

  it('registers where permitted, and the periodic event pulls into the store with no page open', async () => {
    const sync = createSyncServer({ database: { sqlite: join(dir.path, 'server.db') }, auth: tokenAuth({ demo: 'shop' }), collections: { notes: { writable: true } } });
    const site = await serveSw(sync, files);
    const browser = await launchChromium();
    try {
      const watcher = await browser.context.newPage();
      const cdp = await browser.context.newCDPSession(watcher);
      await cdp.send('Browser.grantPermissions', { origin: site.url, permissions: ['periodicBackgroundSync'] });
      const registrations: Array<{ registrationId: string; scopeURL: string }> = [];
      cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: Array<{ registrationId: string; scopeURL: string }> }) => void registrations.push(...e.registrations));
      await cdp.send('ServiceWorker.enable');

      const page = await browser.context.newPage();
      await page.goto(site.url);
      expect(await page.evaluate(() => notes.open({ periodicMs: 60_000 }))).toBe('background-sync');
      expect(await page.evaluate(() => notes.periodic())).toBe('registered');
      await page.close();

      // A change made on another device while no page of the app is open.
      const other = await createClient({ store: createMemoryStore(), transport: createHttpTransport({ url: 'http://syncline.test', token: 'demo', fetch: (r) => sync.fetch(r) }), autoSync: false });
      await other.collection('notes').put('from-elsewhere', { text: 'made on another device' });
      await other.sync().result;
      await other.close();

      await expect.poll(() => registrations.some((r) => r.scopeURL.startsWith(site.url)), { timeout: 10_000 }).toBe(true);
      const registrationId = registrations.find((r) => r.scopeURL.startsWith(site.url))!.registrationId;
      await cdp.send('ServiceWorker.dispatchPeriodicSyncEvent', { origin: site.url, registrationId, tag: 'syncline-periodic' });
      const drained = (): boolean => browser.console.some((line) => line.includes('syncline: drained') && line.includes('"trigger":"periodicsync"'));
      await expect.poll(drained, { timeout: 30_000, message: browser.console.join('\n') }).toBe(true);

      site.down = true; // what the page shows now comes from IndexedDB alone
      const reopened = await browser.context.newPage();
      await reopened.goto(site.url);
      expect(await reopened.evaluate(() => notes.open().then(() => notes.list()))).toEqual(['from-elsewhere']);
    } finally {
      await browser.close();
      await site.close();
      await sync.close();
    }
  }, 90_000);
});
