// Shared set-up for the conflict tests: a real server (SQLite file) with per-collection strategies,
// reached through the real HTTP transport's fetch seam; clients with controllable (skewed) clocks.
import type { CollectionPolicy } from '../../src/server.js';
import { startServer, type TestServer } from '../helpers/harness.js';
import { systemTimers, type Timers } from '../../src/core/seams.js';
import { conflictsResponse, type ConflictRecord } from '../../src/protocol/wire-conflicts.js';

export interface ConflictServer extends TestServer {
  /** GET /v1/conflicts as the holder of `token`, every page. */
  audit(token?: string): Promise<ConflictRecord[]>;
}

/** `database`: a SQLite file path, or `{ postgres: url }`. */
export function startConflictServer(
  database: string | { postgres: string },
  collections: Record<string, CollectionPolicy>,
  tokens: Record<string, string> = { t1: 'scope-1' },
): ConflictServer {
  const base = startServer({ sqlitePath: database, collections, tokens });
  return {
    ...base,
    async audit(token = 't1') {
      const all: ConflictRecord[] = [];
      for (let after = 0; ;) {
        const res = await base.server.fetch(new Request(`http://syncline.test/v1/conflicts?limit=50&after=${after}`, { headers: { authorization: `Bearer ${token}` } }));
        const page = conflictsResponse.parse(await res.json());
        all.push(...page.conflicts);
        if (!page.hasMore) return all;
        after = page.conflicts.at(-1)?.seq ?? after;
      }
    },
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
