/**
 * The web demo's server: the reference sync server on a temporary SQLite file with the e-receipt
 * domain and the operator console, plus the till page (bundled at start) on the same loopback origin.
 * Every named mutation the server runs is logged at the sync layer (src/demo/application-log.ts), so
 * the page, the console and the tests can see that each sale took effect exactly once.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../core/seams.js';
import { ApplicationLog } from '../demo/application-log.js';
import { PRODUCTS_COLLECTION, productsCollection, receiptHandlers } from '../receipts.js';
import { createSyncServer, serveNode, tokenAuth, type NodeServerHandle, type SyncServer } from '../server.js';
import { bundleTillPage } from './bundle.js';
import { PAGE_HTML } from './page-html.js';

/** The one scope and its public token: a demo on loopback, never a network others reach. */
export const WEB_DEMO_SCOPE = 'shop-1';
export const WEB_DEMO_TOKEN = 'demo';

const CATALOGUE = [
  ['espresso', 'Espresso', '1.20'],
  ['cappuccino', 'Cappuccino', '1.50'],
  ['cornetto', 'Cornetto', '1.30'],
  ['spremuta', 'Spremuta', '3.00'],
  ['tramezzino', 'Tramezzino', '2.80'],
  ['acqua', 'Acqua', '1.00'],
] as const;

export interface WebDemoOptions {
  /** TCP port; 0 picks a free one. Default 8787. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Directory of the server's SQLite file; default a temporary one, removed by `close()`. */
  dir?: string;
  /** The console's admin token; default a random one. At least 16 characters. */
  consoleToken?: string;
  logger?: Logger;
}

export interface WebDemo {
  /** The till page (till 1). */
  pageUrl: string;
  /** A second till: another device with its own IndexedDB database and outbox. */
  secondPageUrl: string;
  /** The operator console, with its token (opening it once sets a session cookie). */
  consoleUrl: string;
  /** The server's base URL. */
  url: string;
  sync: SyncServer;
  /** Every run of a named mutation handler, for checking duplicates and order. */
  applications: ApplicationLog;
  /** Stop listening, close the database, remove the temporary directory. */
  close(): Promise<void>;
}

export async function startWebDemo(options: WebDemoOptions = {}): Promise<WebDemo> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'syncline-web-demo-'));
  const consoleToken = options.consoleToken ?? randomBytes(16).toString('hex');
  const applications = new ApplicationLog();
  let sync: SyncServer | undefined;
  let http: NodeServerHandle | undefined;
  const close = async (): Promise<void> => {
    await http?.close();
    await sync?.close();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    sync = createSyncServer({
      database: { sqlite: join(dir, 'server.db') },
      auth: tokenAuth({ [WEB_DEMO_TOKEN]: WEB_DEMO_SCOPE }),
      mutations: applications.wrap(receiptHandlers),
      collections: productsCollection,
      console: { token: consoleToken },
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    await sync.ready();
    await sync.importRecords(
      WEB_DEMO_SCOPE,
      CATALOGUE.map(([key, name, price]) => ({ key, value: { name, price, stock: 100 } })),
      { collection: PRODUCTS_COLLECTION, importId: 'web-demo-catalogue' },
    );
    const script = await bundleTillPage();
    http = await serveNode(withPage(sync, script), { port: options.port ?? 8787, host: options.host ?? '127.0.0.1' });
  } catch (error) {
    await close();
    throw error;
  }
  const url = http.url;
  return { url, pageUrl: `${url}/`, secondPageUrl: `${url}/?till=2`, consoleUrl: `${url}/console?token=${consoleToken}`, sync, applications, close };
}

/** The same server, answering the page's own paths first; everything else goes to the sync server. */
function withPage(sync: SyncServer, script: string): SyncServer {
  const files: Record<string, [string, string]> = {
    '/': [PAGE_HTML, 'text/html; charset=utf-8'],
    '/index.html': [PAGE_HTML, 'text/html; charset=utf-8'],
    '/till.js': [script, 'text/javascript; charset=utf-8'],
  };
  return {
    ...sync,
    fetch(request) {
      const path = new URL(request.url).pathname;
      const file = files[path];
      if (file === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) return sync.fetch(request);
      return Promise.resolve(new Response(request.method === 'HEAD' ? null : file[0], { headers: { 'content-type': file[1], 'cache-control': 'no-store' } }));
    },
  };
}
