// A sync server on a SQLite file served over real HTTP on loopback, and clients that talk to it
// through the real HTTP transport, each recording the pull pages it received (as received: echo
// markers and full changes).
import { createClient, type ClientOptions, type SynclineClient } from '../../src/index.js';
import type { PullResponse } from '../../src/protocol/wire.js';
import { T, parseStoredRecord, splitRecordKey } from '../../src/core/local-schema.js';
import { serveNode, type NodeServerHandle, type SyncServerOptions } from '../../src/server.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import type { Store } from '../../src/stores/store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { startServer, type TestServer } from '../server/helpers.js';

export interface RigClient {
  client: SynclineClient;
  store: Store;
  transport: Transport;
  /** Every pull page this client applied or received, in order. */
  pages: PullResponse[];
}

export interface Rig {
  t: TestServer;
  node: NodeServerHandle;
  /** `rewritePull`: wraps the real transport's pull (to alter requests a client sends). */
  client(extra?: Partial<ClientOptions> & { rewritePull?: (pull: Transport['pull']) => Transport['pull'] }): Promise<RigClient>;
  cleanup(): Promise<void>;
}

export async function startRig(options: Partial<SyncServerOptions> = {}): Promise<Rig> {
  const t = startServer({ collections: { products: { writable: true } }, ...options });
  const node = await serveNode(t.server);
  const clients: SynclineClient[] = [];
  return {
    t,
    node,
    async client(extra = {}) {
      const { rewritePull, ...clientOptions } = extra;
      const http = createHttpTransport({ url: node.url, token: 'token-a', compression: { requests: true } });
      const transport: Transport = rewritePull === undefined ? http : withPull(http, rewritePull((request, options) => http.pull(request, options)));
      const store = createMemoryStore();
      const pages: PullResponse[] = [];
      const client = await createClient({
        store,
        transport,
        autoSync: false,
        plugins: [{ name: 'pages', afterPull: (page) => void pages.push(page) }],
        ...clientOptions,
      });
      clients.push(client);
      return { client, store, transport, pages };
    },
    async cleanup() {
      for (const c of clients) await c.close();
      await node.close();
      await t.cleanup();
    },
  };
}

/** The same transport with its pull replaced (the replacement may call the original). */
function withPull(http: Transport, pull: Transport['pull']): Transport {
  return {
    push: (request, options) => http.push(request, options),
    pull,
    health: (options) => http.health(options),
    stats: () => http.stats(),
  };
}

/** A client's confirmed records, as `collection/key` → { value, version }. */
export async function confirmedState(store: Store): Promise<Map<string, { value: unknown; version: number }>> {
  return store.read(async (tx) => {
    const out = new Map<string, { value: unknown; version: number }>();
    for (const [k, raw] of await tx.scan(T.records)) {
      const record = parseStoredRecord(raw, k);
      const { collection, key } = splitRecordKey(k);
      if (record !== undefined) out.set(`${collection}/${key}`, { value: record.value, version: record.version });
    }
    return out;
  });
}

/**
 * What the server holds: a fresh client (never wrote anything, so it gets full values) pulls all.
 * It calls the server in-process: client and server share this process's event loop, and after the
 * seconds-long store transactions of a 10k test a reused keep-alive socket can meet the server's idle
 * timeout (ECONNRESET) — an artefact of the shared loop, not of what is tested here.
 */
export async function serverState(rig: Rig): Promise<Map<string, { value: unknown; version: number }>> {
  const store = createMemoryStore();
  const transport = createHttpTransport({ url: 'http://in-process', token: 'token-a', fetch: (request) => rig.t.server.fetch(request) });
  const reader = await createClient({ store, transport, autoSync: false });
  try {
    await reader.sync().result;
    return await confirmedState(store);
  } finally {
    await reader.close();
  }
}

/** Keys sent in full and keys sent as echoes (count of records), over some pages. */
export function fullKeys(pages: readonly PullResponse[]): string[] {
  return pages.flatMap((p) => p.changes.map((c) => c.key));
}

export function echoedRecords(pages: readonly PullResponse[]): number {
  return pages.reduce((n, p) => n + (p.echoes ?? []).reduce((m, e) => m + (e.count ?? 1), 0), 0);
}
