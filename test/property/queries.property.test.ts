// Property: whatever the interleaving of local writes, another device's writes, pulls (which rebase
// pending writes) and pushes (where the server rejects some writes), every query's pages — indexed
// or scanned — equal filtering the client's whole optimistic view in JavaScript; and each live query
// delivers a new answer exactly when its answer changes: never the same answer twice in a row, and
// always the current answer once the client is idle.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { createClient, type JsonObject, type Query, type QueryPage, type SynclineClient } from '../../src/index.js';
import { createSyncServer, tokenAuth } from '../../src/server.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { expectQueriesMatchView } from '../../src/testing/store-conformance-queries.js';
import { referenceAnswer } from '../../src/testing/query-reference.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? (process.env['CI'] ? 100 : 60));
const SEED = Number(process.env['PROPERTY_SEED'] ?? 20261203);
const INDEXES = { r: ['n', 's', ['s', 'n'], 'c'] } as const;

type Action =
  | { t: 'put'; who: 'a' | 'b'; key: string; value: JsonObject }
  | { t: 'patch'; who: 'a' | 'b'; key: string; value: JsonObject }
  | { t: 'delete'; who: 'a' | 'b'; key: string }
  | { t: 'pull' }
  | { t: 'sync' };

const key = fc.constantFrom('k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'deny');
const n = fc.oneof(fc.integer({ min: -3, max: 6 }), fc.constantFrom('a', 'b', 'a\u0001b', ''), fc.constant(null), fc.constant(true));
const s = fc.constantFrom('open', 'paid', 'void');
const c = fc.constantFrom('A', 'A-1', 'A-2', 'AB', 'B-1', '', 'a\u0001');
const value: fc.Arbitrary<JsonObject> = fc.record({ n, s, c }, { requiredKeys: [] }) as fc.Arbitrary<JsonObject>;
const who = fc.constantFrom('a' as const, 'b' as const);
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('put' as const), who, key, value }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('patch' as const), who, key, value: value.filter((v) => Object.keys(v).length > 0) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delete' as const), who, key }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('pull' as const) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('sync' as const) }) },
);

const bound = fc.oneof(fc.integer({ min: -3, max: 6 }), fc.constantFrom('a', 'b', 'A-'), fc.constant(null), fc.boolean());
const condition = fc.oneof(
  bound,
  fc.record({ gt: bound, gte: bound, lt: bound, lte: bound, eq: bound }, { requiredKeys: [] }),
  fc.record({ prefix: fc.constantFrom('A', 'A-', 'a', '') }),
);
const query: fc.Arbitrary<Query> = fc.record(
  {
    where: fc.dictionary(fc.constantFrom('n', 's', 'c'), condition, { maxKeys: 2 }),
    orderBy: fc.oneof(fc.constantFrom('n', 's', 'c'), fc.record({ field: fc.constantFrom('n', 's', 'c'), direction: fc.constantFrom('asc' as const, 'desc' as const) })),
    limit: fc.integer({ min: 1, max: 4 }),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<Query>;

/** Lets the live queries' re-runs finish: the memory store and in-process server settle in turns. */
async function idle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** A live query's answer: its first page, and whether more follow (the page's `next`). */
function firstPage(view: Array<{ key: string; value: JsonObject }>, q: Query): { records: Array<{ key: string; value: JsonObject }>; more: boolean } {
  const all = referenceAnswer(view, q);
  return q.limit === undefined ? { records: all, more: false } : { records: all.slice(0, q.limit), more: all.length > q.limit };
}

function shown(page: QueryPage<JsonObject> | undefined) {
  return page === undefined ? undefined : { records: page.records, more: page.next !== undefined };
}

async function run(actions: Action[], queries: Query[], watched: Query[]): Promise<void> {
  const server = createSyncServer({
    database: { sqlite: ':memory:' },
    auth: tokenAuth({ a: 'shop', b: 'shop' }),
    collections: { r: { writable: true } },
    rules: { r: { write: ({ key: k }) => k !== 'deny' } },
  });
  const transport = (token: string) => createHttpTransport({ url: 'http://syncline.test', token, fetch: (r) => server.fetch(r) });
  const a: SynclineClient = await createClient({ store: createMemoryStore(), transport: transport('a'), autoSync: false, indexes: INDEXES });
  const b: SynclineClient = await createClient({ store: createMemoryStore(), transport: transport('b'), autoSync: false });
  const deliveries = watched.map(() => [] as Array<QueryPage<JsonObject>>);
  const stops = watched.map((q, i) => a.collection('r').watch(q, (page) => deliveries[i]?.push(page)));
  try {
    // The live queries' code loads lazily: start from their first answers.
    await vi.waitFor(() => expect(deliveries.every((d) => d.length > 0)).toBe(true));
    for (const act of actions) {
      const view = await a.collection('r').list();
      const before = watched.map((q) => firstPage(view, q));
      const counts = deliveries.map((d) => d.length);
      if (act.t === 'pull') await a.sync({ direction: 'pull' });
      else if (act.t === 'sync') await a.sync();
      else {
        const col = (act.who === 'a' ? a : b).collection('r');
        if (act.t === 'put') await col.put(act.key, act.value);
        else if (act.t === 'patch') await col.patch(act.key, act.value);
        else await col.delete(act.key);
        if (act.who === 'b') await b.sync();
      }
      await expectQueriesMatchView(a, 'r', queries.map((q) => ({ query: q, indexed: false })));
      await idle();
      const now = await a.collection('r').list();
      watched.forEach((q, i) => {
        const got = deliveries[i] ?? [];
        const current = firstPage(now, q);
        expect(shown(got[got.length - 1]), `live ${JSON.stringify(q)} shows the current answer`).toEqual(current);
        for (let j = Math.max(1, counts[i] ?? 0); j < got.length; j++) expect(shown(got[j])).not.toEqual(shown(got[j - 1]));
        if (JSON.stringify(current) !== JSON.stringify(before[i])) expect(got.length, `live ${JSON.stringify(q)} fired`).toBeGreaterThan(counts[i] ?? 0);
      });
    }
  } finally {
    for (const stop of stops) stop();
    await a.close();
    await b.close();
    await server.close();
  }
}

describe('local queries (property)', () => {
  it('answers equal filtering the optimistic view; live queries fire exactly when their answer changes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 14 }), fc.array(query, { minLength: 1, maxLength: 5 }), fc.array(query, { minLength: 1, maxLength: 3 }), run),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, 240_000);
});
