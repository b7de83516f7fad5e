// Serves the browser fixtures (bundled with esbuild) and the sync server on one loopback origin,
// and launches Debian's Chromium through playwright-core.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type CDPSession } from 'playwright-core';
import type { SyncServer } from '../../src/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

async function bundle(entry: string): Promise<string> {
  const out = await build({ entryPoints: [join(import.meta.dirname, 'fixtures', entry)], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
  return out.outputFiles[0]?.text ?? '';
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>till</title><script type="module" src="/app.js"></script>';

/**
 * `pages` adds more pages: `{ failover: 'failover-app.ts' }` serves `/failover.html`, which loads
 * that fixture bundled as `/failover.js`.
 */
export async function serveFixtures(sync: SyncServer, pages: Record<string, string> = {}): Promise<{ url: string; log: string[]; close(): Promise<void> }> {
  const log: string[] = [];
  const [app, sw] = await Promise.all([bundle('app.ts'), bundle('sw.ts')]);
  const files: Record<string, [string, string]> = {
    '/': [PAGE, 'text/html'],
    '/app.js': [app, 'text/javascript'],
    '/sw.js': [sw, 'text/javascript'],
  };
  for (const [name, entry] of Object.entries(pages)) {
    files[`/${name}.html`] = [PAGE.replace('/app.js', `/${name}.js`), 'text/html'];
    files[`/${name}.js`] = [await bundle(entry), 'text/javascript'];
  }
  const server: Server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/favicon.ico') {
      res.writeHead(204).end(); // keeps a 404 for the browser's own request out of the console a failing test prints
      return;
    }
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

/** What the browser's console and its workers' consoles said (a failing test prints it). */
export type ConsoleLog = string[];

export async function launchChromium(): Promise<{ context: BrowserContext; console: ConsoleLog; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'syncline-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const consoleLog: ConsoleLog = [];
  const started = Date.now();
  const record = (source: string, text: string): void => void consoleLog.push(`+${Date.now() - started} ms ${source}: ${text}`);
  context.on('console', (m) => record(m.page() === null ? 'worker' : 'page', m.text()));
  context.on('serviceworker', (w) => record('browser', `service worker ${w.url()} started`));
  return {
    context,
    console: consoleLog,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** One entry of Chromium's Background Sync log (DevTools > Application > Background sync). */
export interface BackgroundSyncLogEntry {
  eventName: string;
  tag: string;
  metadata: Record<string, string>;
}

/**
 * Chromium's own account of Background Sync: registrations, dispatches and how each sync event it
 * fired ended. A sync event Chromium fires ends in 'Sync completed' or 'sync event failed' only
 * after the worker's waitUntil promise settled, so everything the worker did in that event
 * (its requests, its report) has happened by the time `outcome` resolves. (Events fired through
 * CDP `ServiceWorker.dispatchSyncEvent` are logged as dispatched but their end is not logged.)
 */
export async function watchBackgroundSync(cdp: CDPSession): Promise<{
  entries: BackgroundSyncLogEntry[];
  /** The end of the first sync event for `tag` (since watching began) that no earlier call returned. */
  outcome(tag: string): Promise<BackgroundSyncLogEntry>;
}> {
  const entries: BackgroundSyncLogEntry[] = [];
  const waiters: Array<{ tag: string; resolve(entry: BackgroundSyncLogEntry): void }> = [];
  let consumed = 0;
  const ended = (e: BackgroundSyncLogEntry): boolean => e.eventName === 'Sync completed' || e.eventName === 'sync event failed';
  function settle(): void {
    for (let i = 0; i < waiters.length; ) {
      const waiter = waiters[i]!;
      const index = entries.findIndex((e, n) => n >= consumed && e.tag === waiter.tag && ended(e));
      if (index < 0) {
        i++;
        continue;
      }
      consumed = index + 1;
      waiters.splice(i, 1);
      waiter.resolve(entries[index]!);
    }
  }
  cdp.on('BackgroundService.backgroundServiceEventReceived', (e: { backgroundServiceEvent: { eventName: string; instanceId: string; eventMetadata: Array<{ key: string; value: string }> } }) => {
    const { eventName, instanceId, eventMetadata } = e.backgroundServiceEvent;
    entries.push({ eventName, tag: instanceId, metadata: Object.fromEntries(eventMetadata.map((m) => [m.key, m.value])) });
    settle();
  });
  // Chromium reports these events to observers only while recording is on.
  await cdp.send('BackgroundService.startObserving', { service: 'backgroundSync' });
  await cdp.send('BackgroundService.setRecording', { shouldRecord: true, service: 'backgroundSync' });
  return {
    entries,
    outcome: (tag) =>
      new Promise((resolve) => {
        waiters.push({ tag, resolve });
        settle();
      }),
  };
}
