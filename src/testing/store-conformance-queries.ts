/**
 * Query clauses of the store conformance suite: the scenario of `query-scenario.ts` run on the store
 * under test against a real sync server (SQLite in memory, loaded lazily: Node only). At each step
 * — after a pull, local writes, a rebase of pending writes over a pull, and a push where the server
 * rejects one write — every query's pages, walked with `after`, must concatenate to the answer
 * computed from `list()` in plain JavaScript, and the queries an index covers must not scan. The
 * Chromium run (test/browser/query-conformance.test.ts) runs the same scenario in a page and
 * checks its record with `expectQueryScenario`.
 */
import { expect, it } from 'vitest';
import type { SynclineClient } from '../core/client.js';
import type { SyncServerOptions } from '../server/types.js';
import type { Transport } from '../transport/transport.js';
import { CONFORMANCE_QUERIES, observeQueries, runQueryScenario, type QueryObservation, type QueryScenarioParts, type QueryScenarioResult, type ScenarioQueries } from './query-scenario.js';
import type { ConformanceContext } from './store-conformance.js';

export { CONFORMANCE_INDEXES, CONFORMANCE_QUERIES, LARGE_QUERIES } from './query-scenario.js';

/** The scenario's server: tokens "a" and "b" on one scope; writes to keys starting with "deny" are rejected. */
export async function queryScenarioServerOptions(database: SyncServerOptions['database'] = { sqlite: ':memory:' }): Promise<SyncServerOptions> {
  const { tokenAuth } = await import('../server/auth.js');
  return {
    database,
    auth: tokenAuth({ a: 'shop', b: 'shop' }),
    collections: { receipts: { writable: true } },
    rules: { receipts: { write: ({ key }) => !key.startsWith('deny') } },
  };
}

/** Asserts one step's observations: pages equal the JavaScript answer, limits kept, indexes used. */
export function expectObservations(observations: readonly QueryObservation[], step = ''): void {
  for (const o of observations) {
    const what = `${step}: ${JSON.stringify(o.query)}`;
    expect(o.ended, `${what} kept returning a next page`).toBe(true);
    if (o.query.limit !== undefined) for (const size of o.pageSizes) expect(size, `${what} page size`).toBeLessThanOrEqual(o.query.limit);
    expect(o.pages, `pages of ${what}`).toEqual(o.expected);
    if (o.indexed) expect(o.scans, `${what} should use an index`).toBe(0);
  }
}

/** Asserts a whole scenario record, wherever it ran. */
export function expectQueryScenario(result: QueryScenarioResult, queries: ScenarioQueries = CONFORMANCE_QUERIES): void {
  expect(result.steps.map((s) => s.step)).toHaveLength(4);
  for (const { step, observations } of result.steps) {
    expect(observations.map((o) => o.query)).toEqual(queries.map((q) => q.query));
    expectObservations(observations, step);
  }
  expect(result.statusAfterRebase).toBe('void');
  expect(result.deniedStillVisible).toBe(false);
  expect(result.pendingAfterPush).toBe(0);
}

/** Walks every query's pages and compares them with the JavaScript answer over `list()`. */
export async function expectQueriesMatchView(client: SynclineClient, collection = 'receipts', queries = CONFORMANCE_QUERIES): Promise<void> {
  expectObservations(await observeQueries(client, collection, queries));
}

/** Runs the scenario on `store` against a fresh in-process server (Node). */
export async function runQueryScenarioInProcess(store: QueryScenarioParts['store'], size: Pick<QueryScenarioParts, 'receipts' | 'queries'> = {}): Promise<QueryScenarioResult> {
  const [{ createSyncServer }, { createHttpTransport }] = await Promise.all([import('../server/sync-server.js'), import('../transport/http-transport.js')]);
  const server = createSyncServer(await queryScenarioServerOptions());
  try {
    const transport = (token: string): Transport => createHttpTransport({ url: 'http://syncline.test', token, fetch: (r) => server.fetch(r) });
    return await runQueryScenario({ store, transport, ...size });
  } finally {
    await server.close();
  }
}

export function declareQueryTests(context: ConformanceContext): void {
  it('queries: indexed and scanned answers equal filtering the optimistic view, through pulls, local writes, rebases and rejections', async () => {
    expectQueryScenario(await runQueryScenarioInProcess(await context.open()));
  });
}
