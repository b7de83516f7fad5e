/**
 * Ordered versions under concurrency, on PostgreSQL: many writers in one scope while readers pull
 * continuously. If a version could become visible before a lower one committed, a reader would move
 * its cursor past the lower one and never see it — so every reader must see exactly 1..N, in order.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MutationHandler } from '../../src/server.js';
import { describePostgres } from '../helpers/postgres.js';
import { mutation } from '../server/helpers.js';
import type { TestServer } from '../server/helpers.js';
import { serverOn, sleep } from './harness.js';

/** Every write is a new key, so no later rewrite can legitimately hide an earlier version from a pull. */
const handlers: Record<string, MutationHandler> = {
  writeKeys: async (ctx, args) => {
    const { keys, pauseMs } = args as { keys: string[]; pauseMs: number };
    for (const key of keys) {
      await ctx.put('notes', key, { by: ctx.clientId });
      // Holding the transaction open widens the window an unordered scheme would expose.
      await sleep(pauseMs);
    }
    return undefined;
  },
};

const writePlan = fc.array(
  fc.array(fc.record({ keyCount: fc.integer({ min: 1, max: 3 }), pauseMs: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 5 }),
  { minLength: 2, maxLength: 8 },
);
const readerPageSizes = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 });

interface Seen {
  versions: number[];
  keys: string[];
}

describePostgres('ordered versions under concurrency [postgres]', (pg) => {
  let t: TestServer;
  let run = 0;
  beforeAll(async () => {
    t = serverOn(await pg.createDatabase(), { mutations: handlers });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('every reader sees every change exactly once, in version order, none skipped', async () => {
    await fc.assert(
      fc.asyncProperty(writePlan, readerPageSizes, async (writers, pageSizes) => {
        run += 1;
        const scope = `ordered-${run}`;
        let writersDone = false;
        const readers = pageSizes.map((limit) => readContinuously(t, scope, limit, () => writersDone));
        const written = await Promise.all(writers.map((plan, w) => writeAll(t, scope, `client-w${w}-${run}`, plan)));
        writersDone = true;
        const allKeys = written.flat().sort();
        const expectedVersions = allKeys.map((_, i) => i + 1);
        for (const seen of await Promise.all(readers)) {
          expect(seen.versions).toEqual(expectedVersions);
          expect([...seen.keys].sort()).toEqual(allKeys);
        }
      }),
      { seed: 20_240_611, numRuns: 8 },
    );
  });
});

/** One client pushing its mutations one request at a time; returns the keys it wrote. */
async function writeAll(t: TestServer, scope: string, clientId: string, plan: Array<{ keyCount: number; pauseMs: number }>): Promise<string[]> {
  const keys: string[] = [];
  for (const [i, step] of plan.entries()) {
    const stepKeys = Array.from({ length: step.keyCount }, (_, k) => `${clientId}-${i + 1}-${k}`);
    const response = await t.pushOk([mutation(i + 1, 'writeKeys', { keys: stepKeys, pauseMs: step.pauseMs })], { clientId, token: scope });
    expect(response.outcomes[0]?.status).toBe('applied');
    keys.push(...stepKeys);
  }
  return keys;
}

/** Pull page after page until a pull that started after the writers finished reports no more. */
async function readContinuously(t: TestServer, scope: string, limit: number, writersDone: () => boolean): Promise<Seen> {
  const seen: Seen = { versions: [], keys: [] };
  let cursor = 0;
  for (;;) {
    const final = writersDone();
    const page = await t.pull(cursor, limit, { clientId: `reader-${scope}-${limit}`, token: scope });
    for (const change of page.changes) {
      seen.versions.push(change.version);
      seen.keys.push(change.key);
    }
    cursor = page.cursor;
    if (final && !page.hasMore) return seen;
  }
}
