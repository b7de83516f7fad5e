// Real Chromium, two loopback origins: a page on http://localhost:<p> calls the sync server on
// http://127.0.0.1:<q>. Listed origins get through the preflight and can read answers and the
// exposed headers; an unlisted origin is blocked by the browser.
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncServer, serveNode, tokenAuth } from '../../src/server.js';
import type { NodeServerHandle, SyncServer } from '../../src/server.js';
import { tempDir } from '../helpers/harness.js';
import { hasChromium, launchChromium } from './browser-harness.js';

const mustRun = process.env['CI'] === 'true';
const suite = hasChromium || mustRun ? describe : describe.skip;

/** A static site serving the probe page; returns its origin as the browser will name it. */
async function serveSite(hostname: string): Promise<{ origin: string; close(): Promise<void> }> {
  const out = await build({ entryPoints: [join(import.meta.dirname, 'fixtures', 'cors-app.ts')], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
  const app = out.outputFiles[0]?.text ?? '';
  const server: Server = createServer((req, res) => {
    if (req.url === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(app);
    else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><script type="module" src="/app.js"></script>');
    else res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    origin: `http://${hostname}:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

suite('CORS in Chromium', () => {
  const dir = tempDir('syncline-cors-');
  let sync: SyncServer;
  let api: NodeServerHandle;
  let listed: Awaited<ReturnType<typeof serveSite>>;
  let unlisted: Awaited<ReturnType<typeof serveSite>>;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    listed = await serveSite('localhost');
    unlisted = await serveSite('localhost');
    sync = createSyncServer({
      database: { sqlite: join(dir.path, 'server.db') },
      auth: tokenAuth({ web: 'web' }),
      collections: { notes: { writable: true } },
      cors: { origins: [listed.origin] },
    });
    api = await serveNode(sync);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await sync?.close();
    await listed?.close();
    await unlisted?.close();
    dir.remove();
  });

  it('a listed origin pushes and pulls through the preflight and reads errors and exposed headers', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${listed.origin}/`);
    await page.waitForFunction(() => typeof window.corsProbe === 'function');
    const result = await page.evaluate((url) => window.corsProbe(url), api.url);
    expect(result).toEqual({ pushed: ['applied'], pulled: 1, refusedStatus: 401, refusedCode: 'unauthenticated', wwwAuthenticate: 'Bearer' });
    await page.close();
  });

  it('an unlisted origin is blocked by the browser', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${unlisted.origin}/`);
    await page.waitForFunction(() => typeof window.corsProbe === 'function');
    const error = await page.evaluate((url) => window.corsProbe(url).then(() => 'no error', (e: unknown) => String(e)), api.url);
    expect(error).toMatch(/fetch|network/i);
    await page.close();
  });
});
