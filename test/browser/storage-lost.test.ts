// Real Chromium: a page syncs on IndexedDB with its installId in localStorage; IndexedDB is wiped
// (CDP Storage.clearDataForOrigin, indexeddb only: localStorage survives, as after an eviction of the
// database alone); the reloaded page comes back as a new client and reports `storage.lost` with the
// lastMutationId the real server on loopback had accepted from the lost one.
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncServer, tokenAuth, type SyncServer } from '../../src/server.js';
import type { SyncEvent } from '../../src/index.js';
import { tempDir } from '../helpers/harness.js';
import { hasChromium, launchChromium } from './browser-harness.js';

type StorageApp = { events: SyncEvent[]; open(): Promise<string>; writeAndSync(n: number): Promise<number>; sync(): Promise<void>; persisted(): Promise<unknown>; close(): Promise<void> };
declare const storageApp: StorageApp;

const mustRun = process.env['CI'] === 'true';
const suite = hasChromium || mustRun ? describe : describe.skip;

/** Serves the bundled page and forwards everything else to the sync server, on one loopback origin. */
async function serve(sync: SyncServer): Promise<{ url: string; close(): Promise<void> }> {
  const bundled = await build({ entryPoints: [join(import.meta.dirname, 'fixtures', 'storage-app.ts')], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
  const script = bundled.outputFiles[0]?.text ?? '';
  const page = '<!doctype html><meta charset="utf-8"><title>storage</title><script type="module" src="/app.js"></script>';
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(page);
      if (path === '/app.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      if (path === '/favicon.ico') return void res.writeHead(204).end();
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const body = chunks.length === 0 ? undefined : Buffer.concat(chunks);
      const response = await sync.fetch(new Request(`http://127.0.0.1${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(body === undefined ? {} : { body }) }));
      const out: Record<string, string> = {};
      response.headers.forEach((value, key) => (out[key] = value));
      res.writeHead(response.status, out).end(Buffer.from(await response.arrayBuffer()));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

suite('storage.lost in Chromium (IndexedDB wiped)', () => {
  const dir = tempDir('syncline-browser-storage-');
  let sync: SyncServer;
  let site: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    sync = createSyncServer({ database: { sqlite: join(dir.path, 'server.db') }, auth: tokenAuth({ app: 'shop' }), collections: { products: { writable: true } }, mutations: {} });
    site = await serve(sync);
  });
  afterAll(async () => {
    await site?.close();
    await sync?.close();
    dir.remove();
  });

  it('a wiped IndexedDB is reported as storage.lost with the server’s lastMutationId', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(site.url);
      await page.waitForFunction(() => 'storageApp' in globalThis);
      const lostClientId = await page.evaluate(() => storageApp.open());
      expect(await page.evaluate(() => storageApp.writeAndSync(3))).toBe(0);
      // The platform's answer reached metrics() (which one depends on Chromium's heuristics).
      await page.waitForFunction(async () => typeof (await storageApp.persisted()) === 'boolean');
      await page.evaluate(() => storageApp.close());

      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('Storage.clearDataForOrigin', { origin: site.url, storageTypes: 'indexeddb' });
      await page.reload();
      await page.waitForFunction(() => 'storageApp' in globalThis);
      const newClientId = await page.evaluate(() => storageApp.open());
      expect(newClientId).not.toBe(lostClientId); // the store really is new
      await page.evaluate(() => storageApp.sync());
      await page.waitForFunction(() => storageApp.events.some((e) => e.type === 'storage.lost'), undefined, { timeout: 20_000 });
      const events = await page.evaluate(() => storageApp.events);
      expect(events).toEqual([
        { type: 'storage.lost', installId: expect.stringMatching(/^[0-9a-f-]{36}$/), clientId: newClientId, previous: { clientId: lostClientId, lastMutationId: 3, lastSeenAt: expect.any(Number) } },
      ]);
      // Once: another cycle, and a restart of the page on the same (new) store, say nothing more.
      await page.evaluate(() => storageApp.sync());
      await page.evaluate(() => storageApp.close());
      await page.reload();
      await page.waitForFunction(() => 'storageApp' in globalThis);
      expect(await page.evaluate(() => storageApp.open())).toBe(newClientId);
      await page.evaluate(() => storageApp.writeAndSync(1));
      expect(await page.evaluate(() => storageApp.events)).toEqual([]);
      await page.evaluate(() => storageApp.close());
    } catch (error) {
      console.log(browser.console.join('\n'));
      throw error;
    } finally {
      await browser.close();
    }
  }, 90_000);
});
