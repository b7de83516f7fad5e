// The syncline/sw browser tests' setup: the package packed as published (tsdown), the example worker
// and the test page bundled with esbuild against it from a user's project, and one loopback origin
// that serves them and the sync server — which a test can make unreachable (connections reset) and
// bring back, the way a server outage looks to a browser that still believes it is online.
import { cpSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import type { SyncServer } from '../../src/server.js';
import { buildPackage, userProject } from '../examples/user-project.js';

export interface BuiltFiles {
  /** examples/sw-background-sync/sw.ts bundled against the packed package. */
  worker: string;
  /** test/browser/fixtures/sw-page.ts bundled the same way. */
  page: string;
  remove(): void;
}

/** The test page imports syncline's sources by path (for the type checker); bundled, they come from the package. */
const fromPackage: Plugin = {
  name: 'syncline-from-package',
  setup(b) {
    b.onResolve({ filter: /\/src\/(index|indexeddb|sw)\.js$/ }, async (args) => {
      const entry = /\/src\/(\w+)\.js$/.exec(args.path)?.[1] ?? 'index';
      return b.resolve(entry === 'index' ? 'syncline' : `syncline/${entry}`, { kind: args.kind, resolveDir: args.resolveDir });
    });
  },
};

async function bundle(dir: string, entry: string): Promise<string> {
  const out = await build({ entryPoints: [join(dir, entry)], absWorkingDir: dir, bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent', plugins: [fromPackage] });
  return out.outputFiles[0]?.text ?? '';
}

export async function buildSwFiles(): Promise<BuiltFiles> {
  const pkg = await buildPackage();
  const project = userProject(pkg.dir, ['sw-background-sync/sw.ts']);
  cpSync(join(import.meta.dirname, 'fixtures', 'sw-page.ts'), join(project.dir, 'sw-page.ts'));
  try {
    const [worker, page] = await Promise.all([bundle(project.dir, 'sw.ts'), bundle(project.dir, 'sw-page.ts')]);
    return {
      worker,
      page,
      remove: () => {
        project.remove();
        pkg.remove();
      },
    };
  } catch (error) {
    project.remove();
    pkg.remove();
    throw error;
  }
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>notes</title><script type="module" src="/page.js"></script>';

/**
 * Deletes Background Sync from a global scope, as Safari and Firefox lack it. Chromium's init
 * scripts reach pages but not service workers, so the worker gets it prepended to its script.
 */
export const WITHOUT_SYNC_MANAGER = `(() => { for (const name of ['SyncManager', 'PeriodicSyncManager']) delete globalThis[name];
  const proto = globalThis.ServiceWorkerRegistration?.prototype; if (proto) { delete proto.sync; delete proto.periodicSync; } })();\n`;

export interface SwSite {
  url: string;
  /** While true, every request to the sync server has its connection reset. */
  down: boolean;
  /** Push requests that reached the sync server, with their mutation counts and body sizes. */
  pushes: Array<{ mutations: number; bytes: number }>;
  close(): Promise<void>;
}

export async function serveSw(sync: SyncServer, files: BuiltFiles, options: { withoutSyncManager?: boolean } = {}): Promise<SwSite> {
  const worker = options.withoutSyncManager === true ? WITHOUT_SYNC_MANAGER + files.worker : files.worker;
  const routes: Record<string, [string, string]> = { '/': [PAGE, 'text/html'], '/page.js': [files.page, 'text/javascript'], '/sw.js': [worker, 'text/javascript'] };
  const site: SwSite = { url: '', down: false, pushes: [], close: async () => undefined };
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const file = routes[path];
    if (file !== undefined) {
      res.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-store' }).end(file[0]);
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (site.down) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length === 0 ? undefined : Buffer.concat(chunks);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const response = await sync.fetch(new Request(`http://127.0.0.1${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(body === undefined ? {} : { body }) }));
    if (path === '/v1/push' && response.ok) {
      const size = body?.byteLength ?? 0;
      const text = body === undefined ? '{}' : (headers.get('content-encoding') === 'gzip' ? gunzipSync(body) : body).toString();
      const count = (JSON.parse(text) as { mutations?: unknown[] }).mutations?.length ?? 0;
      site.pushes.push({ mutations: count, bytes: size });
    }
    const out: Record<string, string> = {};
    response.headers.forEach((value, key) => (out[key] = value));
    res.writeHead(response.status, out);
    res.end(Buffer.from(await response.arrayBuffer()));
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  site.url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  site.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return site;
}

/** The example's files, for tests that read them. */
export const readExample = (file: string): string => readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'sw-background-sync', file), 'utf8');
