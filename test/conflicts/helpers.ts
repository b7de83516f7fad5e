// Shared set-up for the conflict tests: a real server (SQLite file) with per-collection strategies,
// reached through the real HTTP transport's fetch seam; clients with controllable (skewed) clocks.
import { createSyncServer, tokenAuth, type CollectionPolicy, type SyncServer } from '../../src/server.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { systemTimers, type Timers } from '../../src/core/seams.js';
import type { Transport } from '../../src/transport/transport.js';
import { conflictsResponse, type ConflictRecord } from '../../src/protocol/wire.js';

export interface ConflictServer {
  server: SyncServer;
  transport(token?: string): Transport;
  /** GET /v1/conflicts as the holder of `token`, every page. */
  audit(token?: string): Promise<ConflictRecord[]>;
  close(): Promise<void>;
}

/** `database`: a SQLite file path, or `{ postgres: url }`. */
export function startConflictServer(
  database: string | { postgres: string },
  collections: Record<string, CollectionPolicy>,
  tokens: Record<string, string> = { t1: 'scope-1' },
): ConflictServer {
  const server = createSyncServer({ database: typeof database === 'string' ? { sqlite: database } : database, auth: tokenAuth(tokens), collections });
  const transport = (token = 't1') => createHttpTransport({ url: 'http://syncline.test', token, fetch: (request) => server.fetch(request) });
  return {
    server,
    transport,
    async audit(token = 't1') {
      const all: ConflictRecord[] = [];
      for (let after = 0; ;) {
        const res = await server.fetch(new Request(`http://syncline.test/v1/conflicts?limit=50&after=${after}`, { headers: { authorization: `Bearer ${token}` } }));
        const page = conflictsResponse.parse(await res.json());
        all.push(...page.conflicts);
        if (!page.hasMore) return all;
        after = page.conflicts.at(-1)?.seq ?? after;
      }
    },
    close: () => server.close(),
  };
}

/** A wall clock `skewMs` off the test's "true" time, which the test moves with `advance`. */
export class SkewedClocks {
  #trueNow = 1_750_000_000_000;

  advance(ms: number): void {
    this.#trueNow += ms;
  }

  timers(skewMs: number): Timers {
    return { ...systemTimers, now: () => this.#trueNow + skewMs };
  }
}
