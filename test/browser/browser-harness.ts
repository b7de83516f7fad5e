// Serves the browser fixtures (bundled with esbuild) and the sync server on one loopback origin,
// and launches Debian's Chromium through playwright-core.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';
import type { SyncServer } from '../../src/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

async function bundle(entry: string): Promise<string> {
  const out = await build({ entryPoints: [join(import.meta.dirname, 'fixtures', entry)], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
  return out.outputFiles[0]?.text ?? '';
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>till</title><script type="module" src="/app.js"></script>';

export async function serveFixtures(sync: SyncServer): Promise<{ url: string; log: string[]; close(): Promise<void> }> {
  const log: string[] = [];
  const [app, sw] = await Promise.all([bundle('app.ts'), bundle('sw.ts')]);
  const files: Record<string, [string, string]> = {
    '/': [PAGE, 'text/html'],
    '/app.js': [app, 'text/javascript'],
    '/sw.js': [sw, 'text/javascript'],
  };
  const server: Server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const file = files[path];
    if (file !== undefined) {
      res.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-store' }).end(file[0]);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length === 0 ? undefined : Buffer.concat(chunks);
    if (path === '/log') {
      log.push(body?.toString() ?? '');
      res.writeHead(204).end();
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const response = await sync.fetch(new Request(`http://127.0.0.1${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(body === undefined ? {} : { body }) }));
    const out: Record<string, string> = {};
    response.headers.forEach((value, key) => (out[key] = value));
    res.writeHead(response.status, out);
    res.end(Buffer.from(await response.arrayBuffer()));
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'syncline-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
