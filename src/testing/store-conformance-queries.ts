/**
 * Query clauses of the store conformance suite: a client on the store under test, with query
 * indexes declared, against a real sync server (SQLite in memory, loaded lazily: Node only) and a
 * second client that writes the same records. At each step — after a pull, local writes, a rebase
 * of pending writes over a pull, and a push where the server rejects one write — every query's
 * pages, walked with `after`, must concatenate to the answer computed from `list()` in plain
 * JavaScript, and the queries an index covers must not scan.
 */
import { expect, it } from 'vitest';
import type { SynclineClient } from '../core/client.js';
import type { IndexDeclarations } from '../core/query-index.js';
import type { Query } from '../core/query-types.js';
import type { JsonObject } from '../protocol/json.js';
import { createMemoryStore } from '../stores/memory-store.js';
import { referenceAnswer } from './query-reference.js';
import type { ConformanceContext } from './store-conformance.js';

export const CONFORMANCE_INDEXES: IndexDeclarations = { receipts: ['issuedAt', 'status', ['status', 'issuedAt'], 'code'] };

/** Queries with whether a declared index covers them. */
export const CONFORMANCE_QUERIES: ReadonlyArray<{ query: Query; indexed: boolean }> = [
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

function receipt(i: number): JsonObject {
  const statuses = ['open', 'paid', 'void'];
  const value: JsonObject = { status: statuses[i % 3] ?? 'open', total: (i * 37) % 200, code: `${i % 2 === 0 ? 'A' : 'B'}-${i}` };
  // A few records without issuedAt, and one holding a string there: not in its index, still queryable.
  if (i % 7 !== 3) value['issuedAt'] = i === 11 ? 'late' : (i * 5) % 23;
  if (i % 4 === 0) value['note'] = null;
  return value;
}

/** Walks every query's pages and compares them with the JavaScript answer over `list()`. */
export async function expectQueriesMatchView(client: SynclineClient, collection = 'receipts', queries = CONFORMANCE_QUERIES): Promise<void> {
  const col = client.collection(collection);
  const view = await col.list();
  for (const { query, indexed } of queries) {
    const expected = referenceAnswer(view, query);
    const before = (await client.metrics()).queryScans;
    const pages: Array<{ key: string; value: JsonObject }> = [];
    let after: string | undefined;
    for (let n = 0; n <= view.length + 1; n++) {
      const page = await col.query(after === undefined ? query : { ...query, after });
      if (query.limit !== undefined) expect(page.records.length).toBeLessThanOrEqual(query.limit);
      pages.push(...page.records);
      after = page.next;
      if (after === undefined) break;
    }
    expect(pages, `pages of ${JSON.stringify(query)}`).toEqual(expected);
    if (indexed) expect((await client.metrics()).queryScans, `${JSON.stringify(query)} should use an index`).toBe(before);
  }
}

export function declareQueryTests(context: ConformanceContext): void {
  it('queries: indexed and scanned answers equal filtering the optimistic view, through pulls, local writes, rebases and rejections', async () => {
    const [{ createSyncServer }, { tokenAuth }, { createHttpTransport }, { createClient }] = await Promise.all([
      import('../server/sync-server.js'),
      import('../server/auth.js'),
      import('../transport/http-transport.js'),
      import('../core/client.js'),
    ]);
    const server = createSyncServer({
      database: { sqlite: ':memory:' },
      auth: tokenAuth({ a: 'shop', b: 'shop' }),
      collections: { receipts: { writable: true } },
      rules: { receipts: { write: ({ key }) => !key.startsWith('deny') } },
    });
    const transport = (token: string) => createHttpTransport({ url: 'http://syncline.test', token, fetch: (r) => server.fetch(r) });
    const other = await createClient({ store: createMemoryStore(), transport: transport('b'), autoSync: false });
    const store = await context.open();
    try {
      for (let i = 0; i < 30; i++) await other.collection('receipts').put(`r${String(i).padStart(2, '0')}`, receipt(i));
      await other.sync();
      // Records pulled by a client that declares no index: the indexed client builds its entries.
      const plain = await createClient({ store, transport: transport('a'), autoSync: false, closeStore: false });
      await plain.sync();
      await plain.close();
      const client = await createClient({ store, transport: transport('a'), autoSync: false, closeStore: false, indexes: CONFORMANCE_INDEXES });
      try {
        await expectQueriesMatchView(client);
        const mine = client.collection('receipts');
        await mine.patch('r03', { status: 'paid', issuedAt: 2 });
        await mine.put('r40', { status: 'open', issuedAt: 9, code: 'A-40', total: 150 });
        await mine.delete('r05');
        await mine.put('deny-1', { status: 'open', issuedAt: 6, code: 'A-0', total: 500 });
        await mine.patch('r07', { issuedAt: 99 });
        await mine.patch('r12', { issuedAt: 'zz' });
        await expectQueriesMatchView(client);
        const theirs = other.collection('receipts');
        await theirs.patch('r03', { total: 199 });
        await theirs.patch('r07', { status: 'void' });
        await theirs.delete('r08');
        await theirs.put('r41', { status: 'open', issuedAt: 1, code: 'A-41', total: 1 });
        await theirs.patch('r13', { issuedAt: 7 });
        await other.sync();
        await client.sync({ direction: 'pull' }); // rebases the pending writes over the pulled ones
        await expectQueriesMatchView(client);
        expect((await mine.get('r07'))?.['status']).toBe('void');
        await client.sync(); // pushes: deny-1 is rejected and leaves the view
        expect(await mine.get('deny-1')).toBeUndefined();
        expect(await client.pendingCount()).toBe(0);
        await expectQueriesMatchView(client);
      } finally {
        await client.close();
      }
    } finally {
      await other.close();
      await server.close();
    }
  });
}
