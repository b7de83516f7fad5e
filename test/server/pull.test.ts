import { afterEach, expect, it } from 'vitest';
import type { MutationHandler } from '../../src/server.js';
import { describeEachDialect, mutation, putNote, writableNotes } from './helpers.js';
import type { TestServer } from './helpers.js';

let t: TestServer;
afterEach(async () => {
  await t.cleanup();
});

/** Writes three records in one mutation: its effects span versions v+1..v+3. */
const handlers: Record<string, MutationHandler> = {
  writeThree: async (ctx) => {
    for (const key of ['x', 'y', 'z']) await ctx.put('notes', key, { by: ctx.mutationId });
    return undefined;
  },
};

describeEachDialect('pull', (start) => {
  it('pages through changes in version order with hasMore and cursors', async () => {
    t = await start({ collections: writableNotes });
    await t.pushOk([1, 2, 3, 4, 5].map((id) => putNote(id, `k${id}`)));
    const first = await t.pull(0, 2);
    expect(first.changes.map((c) => [c.key, c.version])).toEqual([['k1', 1], ['k2', 2]]);
    expect(first).toMatchObject({ v: 1, cursor: 2, hasMore: true });
    const second = await t.pull(first.cursor, 2);
    expect(second.changes.map((c) => c.key)).toEqual(['k3', 'k4']);
    const third = await t.pull(second.cursor, 2);
    expect(third).toMatchObject({ cursor: 5, hasMore: false });
    const empty = await t.pull(5, 2);
    expect(empty).toMatchObject({ cursor: 5, hasMore: false, changes: [] });
  });

  it('sends deletions as tombstones and only the latest version of a rewritten record', async () => {
    t = await start({ collections: writableNotes });
    await t.pushOk([
      putNote(1, 'a'),
      putNote(2, 'b'),
      putNote(3, 'a', { text: 'again' }),
      mutation(4, 'delete', { collection: 'notes', key: 'b', baseVersion: 2 }),
    ]);
    const page = await t.pull(0, 100);
    expect(page.changes).toEqual([
      { collection: 'notes', key: 'a', version: 3, value: { text: 'again' } },
      { collection: 'notes', key: 'b', version: 4, deleted: true },
    ]);
    const fromTwo = await t.pull(2, 100);
    expect(fromTwo.changes.map((c) => c.version)).toEqual([3, 4]);
  });

  it('reports lastMutationId only for mutations whose whole effect is at or below the cursor', async () => {
    t = await start({ collections: writableNotes, mutations: handlers });
    const pushed = await t.pushOk([putNote(1, 'a'), mutation(2, 'writeThree', null), putNote(3, 'b')]);
    expect(pushed.outcomes.map((o) => o.version)).toEqual([1, 4, 5]);
    const expectations: Array<[cursor: number, limit: number, lastMutationId: number]> = [
      [0, 1, 1], // page ends at 1: mutation 1 complete
      [1, 2, 1], // page ends at 3: mutation 2 only half-held
      [3, 1, 2], // page ends at 4: mutation 2 complete
      [4, 10, 3],
    ];
    for (const [cursor, limit, lastMutationId] of expectations) {
      expect((await t.pull(cursor, limit)).lastMutationId, `cursor ${cursor} limit ${limit}`).toBe(lastMutationId);
    }
  });

  it('counts a rejected mutation as held once the cursor reaches its version', async () => {
    t = await start({ collections: writableNotes });
    await t.pushOk([putNote(1, 'a'), mutation(2, 'nope', null)]);
    expect((await t.pull(0, 10)).lastMutationId).toBe(2);
  });

  it('answers lastMutationId 0 for a client that never pushed', async () => {
    t = await start({ collections: writableNotes });
    await t.pushOk([putNote(1, 'a')]);
    const page = await t.pull(0, 10, { clientId: 'client-new-0000' });
    expect(page).toMatchObject({ lastMutationId: 0, cursor: 1 });
  });

  it('refuses a cursor ahead of the scope version with 400', async () => {
    t = await start({ collections: writableNotes });
    await t.pushOk([putNote(1, 'a')]);
    const response = await t.post('/v1/pull', { v: 1, clientId: 'client-aaaa-0001', cursor: 7, limit: 10 });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid-cursor', details: { scopeVersion: 1 } } });
  });

  it('caps the page at the configured maxPullLimit', async () => {
    t = await start({ collections: writableNotes, limits: { maxPullLimit: 2 } });
    await t.pushOk([1, 2, 3].map((id) => putNote(id, `k${id}`)));
    const page = await t.pull(0, 100);
    expect(page.changes).toHaveLength(2);
    expect(page.hasMore).toBe(true);
  });
});
