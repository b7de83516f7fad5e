// Real Chromium: background jobs on the IndexedDB store. A job scheduled in a page survives the page
// being closed; a page opened later (its clock past the due time) runs it at start, and the run and
// the drain metrics are read back from real IndexedDB.
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncServer, tokenAuth, type SyncServer } from '../../src/server.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { serverView, tempDir } from '../helpers/harness.js';
import { hasChromium, launchChromium } from './browser-harness.js';

type Jobs = { schedule(): Promise<string>; start(offsetMs: number): Promise<unknown> };
declare const jobs: Jobs;

const mustRun = process.env['CI'] === 'true';
const suite = hasChromium || mustRun ? describe : describe.skip;

/** Serves the bundled page and forwards everything else to the sync server, on one loopback origin. */
async function serve(sync: SyncServer): Promise<{ url: string; close(): Promise<void> }> {
  const bundled = await build({ entryPoints: [join(import.meta.dirname, 'fixtures', 'jobs-app.ts')], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
  const script = bundled.outputFiles[0]?.text ?? '';
  const page = '<!doctype html><meta charset="utf-8"><title>jobs</title><script type="module" src="/jobs.js"></script>';
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(page);
      if (path === '/jobs.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
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

suite('background jobs in Chromium (IndexedDB)', () => {
  const dir = tempDir('syncline-browser-jobs-');
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

  it('a job scheduled in a page that was then closed runs when a page opens after its due time', async () => {
    const browser = await launchChromium();
    try {
      const first = await browser.context.newPage();
      await first.goto(site.url);
      await first.waitForFunction(() => 'jobs' in globalThis);
      const id = await first.evaluate(() => jobs.schedule());
      await first.close(); // nothing closed in the page: the job is only what IndexedDB kept

      const second = await browser.context.newPage();
      await second.goto(site.url);
      await second.waitForFunction(() => 'jobs' in globalThis);
      const seen = (await second.evaluate(() => jobs.start(10 * 60_000))) as { history: unknown[]; jobs: unknown[]; metrics: Record<string, unknown> };
      expect(seen.history).toMatchObject([{ v: 1, seq: 1, jobId: id, trigger: 'periodic', outcome: 'completed', error: null, attempt: 1 }]);
      expect(seen.jobs).toMatchObject([{ id, runs: 1, attempts: 0, pending: false }]);
      expect(seen.metrics).toMatchObject({ pending: 0, outboxSize: 0, cyclesByTrigger: { manual: { completed: 1 } } });
      const products = await serverView(createHttpTransport({ url: site.url, token: 'app' }), 'products');
      expect(products.map((p) => p.key)).toEqual(['written-in-the-browser']);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
