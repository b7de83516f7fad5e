/**
 * The query conformance scenario, without a test framework and without Node: it runs unchanged in
 * a browser page (the Chromium run of the query clause bundles it) and under Vitest. It records
 * what every query answered at each step; `store-conformance-queries.ts` turns the record into
 * assertions. The sync server is the caller's: in-process for Node runs, on loopback HTTP for the
 * page, configured by `queryScenarioServerOptions` there.
 *
 * Steps: a second client ("b", memory store) writes 30 receipts; a client without indexes pulls
 * them; a client declaring `CONFORMANCE_INDEXES` on the same store then checks every query after
 * the pull, after its own pending writes, after a pull that rebases them, and after a push in
 * which the server rejects one write (keys starting with "deny").
 */
import { createClient, type SynclineClient } from '../core/client.js';
import type { IndexDeclarations } from '../core/query-index.js';
import type { Query } from '../core/query-types.js';
import type { JsonObject } from '../protocol/json.js';
import { createMemoryStore } from '../stores/memory-store.js';
import type { Store } from '../stores/store.js';
import type { Transport } from '../transport/transport.js';
import { referenceAnswer } from './query-reference.js';

export const CONFORMANCE_INDEXES: IndexDeclarations = { receipts: ['issuedAt', 'status', ['status', 'issuedAt'], 'code'] };

/** Queries with whether a declared index covers them. */
export type ScenarioQueries = ReadonlyArray<{ query: Query; indexed: boolean }>;

/** Queries with whether a declared index covers them. */
export const CONFORMANCE_QUERIES: ScenarioQueries = [
  { query: {}, indexed: true },
  { query: { limit: 3 }, indexed: true },
  { query: { where: { status: 'open' } }, indexed: true },
  { query: { where: { status: 'open' }, orderBy: { field: 'issuedAt', direction: 'desc' }, limit: 2 }, indexed: true },
  { query: { where: { issuedAt: { gte: 5, lt: 15 } }, limit: 4 }, indexed: true },
  { query: { orderBy: { field: 'issuedAt', direction: 'desc' }, limit: 4 }, indexed: true },
  { query: { where: { code: { prefix: 'A-' } }, limit: 2 }, indexed: true },
  { query: { where: { status: 'paid', issuedAt: { lte: 12 } }, orderBy: 'issuedAt', limit: 3 }, indexed: true },
  { query: { where: { issuedAt: { gt: 'a' } } }, indexed: true },
  { query: { where: { total: { gt: 100 } }, limit: 5 }, indexed: false },
  { query: { where: { note: null } }, indexed: false },
  { query: { where: { status: 'open', code: { prefix: 'B' } } }, indexed: false },
];

/**
 * For a scenario with ~1,200 receipts: answers and pages larger than a store's read page (500 rows
 * per getAll in the IndexedDB store), up and down, through each kind of index and the records table.
 * Large limits keep the number of pages (each a query) small.
 */
export const LARGE_QUERIES: ScenarioQueries = [
  { query: {}, indexed: true },
  { query: { limit: 600 }, indexed: true },
  { query: { where: { issuedAt: { gte: 3 } } }, indexed: true },
  { query: { orderBy: { field: 'issuedAt', direction: 'desc' }, limit: 700 }, indexed: true },
  { query: { where: { status: 'open' }, orderBy: 'issuedAt', limit: 250 }, indexed: true },
  { query: { where: { code: { prefix: 'A-' } }, limit: 550 }, indexed: true },
  { query: { where: { total: { gt: 100 } }, limit: 400 }, indexed: false },
];

export type Row = { key: string; value: JsonObject };

/** What one query answered: its pages walked with `after`, and the JavaScript answer over `list()`. */
export interface QueryObservation {
  query: Query;
  indexed: boolean;
  /** The pages' records, concatenated. */
  pages: Row[];
  /** How many records each page held. */
  pageSizes: number[];
  /** False when the walk stopped because it took more pages than the view has records. */
  ended: boolean;
  expected: Row[];
  /** `metrics().queryScans` grew by this much while the pages were read. */
  scans: number;
}

export interface QueryScenarioStep {
  step: string;
  observations: QueryObservation[];
  /** Wall time of the step's queries, ms (for diagnosing a slow run; never asserted). */
  queryMs: number;
}

export interface QueryScenarioResult {
  steps: QueryScenarioStep[];
  /** r07's status after the rebase: the other client's write under the pending local patch ("void"). */
  statusAfterRebase: unknown;
  /** Whether deny-1 is still in the view after the push the server rejected it in (it must not be). */
  deniedStillVisible: boolean;
  pendingAfterPush: number;
  /** Wall time of the seeding writes and push, and of the first pull, ms (never asserted). */
  seedMs: number;
  firstPullMs: number;
}

/** Walks every query's pages and records them next to the JavaScript answer over `list()`. */
export async function observeQueries(client: SynclineClient, collection = 'receipts', queries: ScenarioQueries = CONFORMANCE_QUERIES): Promise<QueryObservation[]> {
  const col = client.collection(collection);
  const view = await col.list();
  const observations: QueryObservation[] = [];
  for (const { query, indexed } of queries) {
    const before = (await client.metrics()).queryScans;
    const pages: Row[] = [];
    const pageSizes: number[] = [];
    let after: string | undefined;
    let ended = false;
    // A correct walk needs at most one page per record plus a last one; more means it loops.
    for (let n = 0; n <= view.length + 1; n++) {
      const page = await col.query(after === undefined ? query : { ...query, after });
      pages.push(...page.records);
      pageSizes.push(page.records.length);
      after = page.next;
      if (after === undefined) {
        ended = true;
        break;
      }
    }
    const scans = (await client.metrics()).queryScans - before;
    observations.push({ query, indexed, pages, pageSizes, ended, expected: referenceAnswer(view, query), scans });
  }
  return observations;
}

function receipt(i: number): JsonObject {
  const statuses = ['open', 'paid', 'void'];
  const value: JsonObject = { status: statuses[i % 3] ?? 'open', total: (i * 37) % 200, code: `${i % 2 === 0 ? 'A' : 'B'}-${i}` };
  // A few records without issuedAt, and one holding a string there: not in its index, still queryable.
  if (i % 7 !== 3) value['issuedAt'] = i === 11 ? 'late' : (i * 5) % 23;
  if (i % 4 === 0) value['note'] = null;
  return value;
}

export interface QueryScenarioParts {
  /** The store under test, on an empty database. The scenario does not close it. */
  store: Store;
  /** A transport to the scenario's server for token "a" (the store's client) or "b" (the other writer). */
  transport(token: 'a' | 'b'): Transport;
  /**
   * How many receipts the other client writes first (30). More than a store's read page (the
   * IndexedDB store reads 500 rows per getAll) makes the queries cross its page boundaries.
   */
  receipts?: number;
  /** The queries checked at each step (`CONFORMANCE_QUERIES`). */
  queries?: ScenarioQueries;
}

export async function runQueryScenario({ store, transport, receipts = 30, queries = CONFORMANCE_QUERIES }: QueryScenarioParts): Promise<QueryScenarioResult> {
  const steps: QueryScenarioStep[] = [];
  const observe = async (step: string, client: SynclineClient): Promise<void> => {
    const started = performance.now();
    const observations = await observeQueries(client, 'receipts', queries);
    steps.push({ step, observations, queryMs: performance.now() - started });
  };
  const started = performance.now();
  const other = await createClient({ store: createMemoryStore(), transport: transport('b'), autoSync: false });
  try {
    for (let i = 0; i < receipts; i++) await other.collection('receipts').put(`r${String(i).padStart(2, '0')}`, receipt(i));
    await other.sync();
    const seedMs = performance.now() - started;
    // Records pulled by a client that declares no index: the indexed client builds its entries.
    const plain = await createClient({ store, transport: transport('a'), autoSync: false, closeStore: false });
    await plain.sync();
    await plain.close();
    const firstPullMs = performance.now() - started - seedMs;
    const client = await createClient({ store, transport: transport('a'), autoSync: false, closeStore: false, indexes: CONFORMANCE_INDEXES });
    try {
      await observe('after the first pull', client);
      const mine = client.collection('receipts');
      await mine.patch('r03', { status: 'paid', issuedAt: 2 });
      await mine.put('r40', { status: 'open', issuedAt: 9, code: 'A-40', total: 150 });
      await mine.delete('r05');
      await mine.put('deny-1', { status: 'open', issuedAt: 6, code: 'A-0', total: 500 });
      await mine.patch('r07', { issuedAt: 99 });
      await mine.patch('r12', { issuedAt: 'zz' });
      await observe('after local writes (pending)', client);
      const theirs = other.collection('receipts');
      await theirs.patch('r03', { total: 199 });
      await theirs.patch('r07', { status: 'void' });
      await theirs.delete('r08');
      await theirs.put('r41', { status: 'open', issuedAt: 1, code: 'A-41', total: 1 });
      await theirs.patch('r13', { issuedAt: 7 });
      await other.sync();
      await client.sync({ direction: 'pull' }); // rebases the pending writes over the pulled ones
      await observe('after a pull that rebased the pending writes', client);
      const statusAfterRebase = (await mine.get('r07'))?.['status'];
      await client.sync(); // pushes: deny-1 is rejected and leaves the view
      const deniedStillVisible = (await mine.get('deny-1')) !== undefined;
      const pendingAfterPush = await client.pendingCount();
      await observe('after a push with one rejected write', client);
      return { steps, statusAfterRebase, deniedStillVisible, pendingAfterPush, seedMs, firstPullMs };
    } finally {
      await client.close();
    }
  } finally {
    await other.close();
  }
}
