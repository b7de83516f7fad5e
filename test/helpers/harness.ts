// Test harness: a real server (SQLite file) reached in-process through the real HTTP transport's
// fetch seam, and clients on real SQLite files or the memory store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClientOptions, type SynclineClient } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { openSqliteStore } from '../../src/stores/sqlite-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { createSyncServer, tokenAuth, type CollectionPolicy, type MutationHandler, type SyncServer, type SyncServerOptions } from '../../src/server.js';
import type { Transport } from '../../src/transport/transport.js';

export function tempDir(prefix = 'syncline-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestServer {
  server: SyncServer;
  transport(token?: string): Transport;
  close(): Promise<void>;
}

export function startServer(options: {
  /** A SQLite file path, or a PostgreSQL database. */
  sqlitePath: string | { postgres: string };
  mutations?: Record<string, MutationHandler>;
  collections?: Record<string, CollectionPolicy>;
  tokens?: Record<string, string>;
  limits?: SyncServerOptions['limits'];
}): TestServer {
  const server = createSyncServer({
    database: typeof options.sqlitePath === 'string' ? { sqlite: options.sqlitePath } : options.sqlitePath,
    auth: tokenAuth(options.tokens ?? { t1: 'scope-1' }),
    mutations: options.mutations ?? {},
    collections: options.collections ?? { products: { writable: true } },
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  return {
    server,
    transport: (token = 't1') =>
      createHttpTransport({ url: 'http://syncline.test', token, fetch: (request) => server.fetch(request) }),
    close: () => server.close(),
  };
}

export async function sqliteClient(
  path: string,
  transport: Transport,
  extra: Partial<ClientOptions> = {},
): Promise<SynclineClient> {
  return createClient({ store: await openSqliteStore(path), transport, autoSync: false, leaseMs: 1, ...extra });
}

export async function memoryClient(transport: Transport, extra: Partial<ClientOptions> = {}): Promise<SynclineClient> {
  return createClient({ store: createMemoryStore(), transport, autoSync: false, ...extra });
}

/** What an independent replica sees: a fresh memory client pulls everything. */
export async function serverView(transport: Transport, collection: string) {
  const reader = await memoryClient(transport);
  try {
    await reader.sync();
    return await reader.collection(collection).list();
  } finally {
    await reader.close();
  }
}
