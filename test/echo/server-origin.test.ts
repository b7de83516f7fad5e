// The server side of "no echo", on both backends: which records a pull sends as markers (record
// origins, migration 0007_record_origin), how markers are shaped, and that elision never happens for
// a client that did not ask, for another client, or below the client's elideOwnFrom.
import { afterEach, expect, it } from 'vitest';
import { EchoHasher } from '../../src/protocol/echo.js';
import type { PullResponse } from '../../src/protocol/wire.js';
import type { MutationHandler } from '../../src/server.js';
import { CLIENT, describeEachDialect, mutation, type TestServer } from '../server/helpers.js';

let t: TestServer;
afterEach(async () => {
  await t.cleanup();
});

const stamp: MutationHandler = async (ctx, args) => {
  const key = (args as { key: string }).key;
  await ctx.put('notes', key, { ...((await ctx.get('notes', key)) ?? {}), stamped: true });
  return undefined;
};

async function pull(cursor: number, extra: Record<string, unknown>, clientId = CLIENT): Promise<PullResponse> {
  const response = await t.post('/v1/pull', { v: 1, clientId, cursor, limit: 100, ...extra });
  expect(response.status).toBe(200);
  return (await response.json()) as PullResponse;
}

const put = (id: number, key: string, value: Record<string, unknown>, baseVersion: number | null = null) =>
  mutation(id, 'put', { collection: 'notes', key, value: value as never, baseVersion });
const patch = (id: number, key: string, fields: Record<string, unknown>, expected: Record<string, unknown>, baseVersion: number | null) =>
  mutation(id, 'patch', { collection: 'notes', key, fields: fields as never, expected: expected as never, baseVersion });

describeEachDialect('echo markers', (start) => {
  it('runs of puts share a marker; chains, bases, named writes and deletes are told apart', async () => {
    t = await start({ collections: { notes: { writable: true } }, mutations: { 'notes.stamp': stamp } });
    await t.pushOk([
      put(1, 'a', { n: 1 }), // v1
      put(2, 'b', { n: 2 }), // v2
      put(3, 'c', { n: 3 }), // v3 ┐ chain: put then patch (c's base was not confirmed)
      patch(4, 'c', { m: 1 }, { m: null }, null), // v4
      put(5, 'd', { n: 5 }), // v5: then a named write clears its origin
      mutation(6, 'notes.stamp', { key: 'd' }), // v6
      put(7, 'e', { n: 7 }), // v7: then deleted
      mutation(8, 'delete', { collection: 'notes', key: 'e', baseVersion: 7 }), // v8
    ]);
    const page = await pull(0, { elideOwnFrom: 1 });
    expect(page.changes).toEqual([
      { collection: 'notes', key: 'd', version: 6, value: { n: 5, stamped: true } },
      { collection: 'notes', key: 'e', version: 8, deleted: true },
    ]);
    const hash = (...records: Array<[string, Record<string, unknown>]>) => {
      const h = new EchoHasher();
      for (const [key, value] of records) h.add('notes', key, value as never);
      return h.digest();
    };
    expect(page.echoes).toEqual([
      { version: 1, mutationId: 1, count: 2, hash: hash(['a', { n: 1 }], ['b', { n: 2 }]) },
      { version: 4, mutationId: 4, from: 3, hash: hash(['c', { m: 1, n: 3 }]) },
    ]);
    expect(page.lastMutationId).toBe(8);

    // A patch onto the version the client confirmed: a marker with that base.
    await t.pushOk([patch(9, 'a', { n: 10 }, { n: 1 }, 1)]);
    expect((await pull(8, { elideOwnFrom: 9 })).echoes).toEqual([{ version: 9, mutationId: 9, base: 1, hash: hash(['a', { n: 10 }]) }]);
  });

  it('sends everything in full to a client that did not ask, to other clients, and below elideOwnFrom', async () => {
    t = await start({ collections: { notes: { writable: true } } });
    await t.pushOk([put(1, 'a', { n: 1 }), put(2, 'b', { n: 2 })]);
    const plain = await pull(0, {});
    expect(plain.changes.map((c) => c.key)).toEqual(['a', 'b']);
    expect(plain.echoes).toBeUndefined();
    expect((await pull(0, { elideOwnFrom: 1 }, 'client-other-0001')).changes).toHaveLength(2);
    const partly = await pull(0, { elideOwnFrom: 2 });
    expect(partly.changes.map((c) => c.key)).toEqual(['a']);
    expect(partly.echoes).toMatchObject([{ version: 2, mutationId: 2 }]);
  });

  it('echoes count toward limit but not toward the byte budget', async () => {
    t = await start({ collections: { notes: { writable: true } }, limits: { maxPullPageBytes: 2000 } });
    await t.pushOk(Array.from({ length: 12 }, (_, i) => put(i + 1, `k${String(i).padStart(2, '0')}`, { text: 'x'.repeat(1000) })));
    const echoed = await pull(0, { elideOwnFrom: 1, limit: 10 });
    expect(echoed.changes).toEqual([]);
    expect(echoed.echoes).toMatchObject([{ version: 1, mutationId: 1, count: 10 }]);
    expect(echoed).toMatchObject({ cursor: 10, hasMore: true });
    const full = await pull(0, { limit: 10 });
    expect(full.changes).toHaveLength(1);
    expect(full.hasMore).toBe(true);
  });
});
