import { afterEach, expect, it } from 'vitest';
import { MutationRejection } from '../../src/server.js';
import type { MutationHandler } from '../../src/server.js';
import { CLIENT, describeEachDialect, mutation, pullAll, putNote, writableNotes } from './helpers.js';
import type { TestServer } from './helpers.js';

let t: TestServer;
afterEach(async () => {
  await t.cleanup();
});

const failingHandlers: Record<string, MutationHandler> = {
  boom: () => {
    throw new Error('disk on fire');
  },
  refuse: async (ctx) => {
    await ctx.put('notes', 'written-before-refusal', { x: 1 });
    throw new MutationRejection('no-way', 'refused on purpose');
  },
  echo: (ctx, args) => ({ got: args, mutationId: ctx.mutationId }),
};

describeEachDialect('push', (start) => {
  it('applies consecutive mutations and reports versions', async () => {
    t = await start({ collections: writableNotes });
    const response = await t.pushOk([putNote(1, 'a'), putNote(2, 'b')]);
    expect(response.lastMutationId).toBe(2);
    expect(response.outcomes).toEqual([
      { id: 1, status: 'applied', version: 1 },
      { id: 2, status: 'applied', version: 2 },
    ]);
  });

  it('refuses a gap with 409 naming the expected id, and applies nothing', async () => {
    t = await start({ collections: writableNotes });
    await t.pushOk([putNote(1, 'a')]);
    const response = await t.push([putNote(3, 'c'), putNote(4, 'd')]);
    expect(response.status).toBe(409);
    const body = (await response.json()) as { error: { code: string; message: string; retryable: boolean; details: unknown } };
    expect(body.error).toMatchObject({ code: 'mutation-gap', retryable: false, details: { expectedId: 2, lastMutationId: 1 } });
    expect(body.error.message).toContain('2');
    expect([...(await pullAll(t)).keys()]).toEqual(['notes/a']);
  });

  it('refuses a first push that does not start at 1', async () => {
    t = await start({ collections: writableNotes });
    expect((await t.push([putNote(2, 'a')])).status).toBe(409);
  });

  it('skips duplicates and reports the stored outcome with duplicate: true', async () => {
    t = await start({ collections: writableNotes, mutations: failingHandlers });
    const first = await t.pushOk([putNote(1, 'a'), mutation(2, 'echo', { n: 5 })]);
    const again = await t.pushOk([putNote(1, 'a', { text: 'changed' }), mutation(2, 'echo', { n: 6 }), putNote(3, 'c')]);
    expect(again.outcomes[0]).toEqual({ ...first.outcomes[0], duplicate: true });
    expect(again.outcomes[1]).toEqual({ ...first.outcomes[1], duplicate: true });
    expect(again.outcomes[1]).toMatchObject({ result: { got: { n: 5 }, mutationId: 2 } });
    expect(again.outcomes[2]).toMatchObject({ id: 3, status: 'applied' });
    expect(again.lastMutationId).toBe(3);
    expect((await pullAll(t)).get('notes/a')).toEqual({ text: 'note 1' });
  });

  it('a rejected mutation consumes its id, rolls back its writes and does not block later ones', async () => {
    t = await start({ collections: writableNotes, mutations: failingHandlers });
    const response = await t.pushOk([putNote(1, 'a'), mutation(2, 'refuse', null), putNote(3, 'c')]);
    expect(response.outcomes[1]).toEqual({ id: 2, status: 'rejected', version: 1, code: 'no-way', message: 'refused on purpose' });
    expect(response.outcomes[2]).toMatchObject({ id: 3, status: 'applied', version: 2 });
    const state = await pullAll(t);
    expect(state.has('notes/written-before-refusal')).toBe(false);
    const resent = await t.pushOk([mutation(2, 'refuse', null)]);
    expect(resent.outcomes[0]).toMatchObject({ status: 'rejected', code: 'no-way', duplicate: true });
  });

  it('rejects unknown names, invalid args and non-writable collections, consuming their ids', async () => {
    t = await start({ collections: { notes: { writable: true }, locked: { writable: false } } });
    const response = await t.pushOk([
      mutation(1, 'no.such.thing', {}),
      mutation(2, 'put', { collection: 'notes', key: 'k' }),
      mutation(3, 'put', { collection: 'locked', key: 'k', value: {}, baseVersion: null }),
      mutation(4, 'put', { collection: 'other', key: 'k', value: {}, baseVersion: null }),
    ]);
    expect(response.outcomes.map((o) => (o.status === 'rejected' ? o.code : o.status))).toEqual([
      'unknown-mutation',
      'invalid-args',
      'forbidden',
      'forbidden',
    ]);
    const invalid = response.outcomes[1];
    expect(invalid?.status === 'rejected' && invalid.message).toMatch(/value/);
    expect(response.lastMutationId).toBe(4);
  });

  it('a handler crash answers 500 (retryable, no internals) and keeps the earlier outcomes', async () => {
    t = await start({ collections: writableNotes, mutations: failingHandlers });
    const response = await t.push([putNote(1, 'a'), mutation(2, 'boom', null), putNote(3, 'c')]);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('disk on fire');
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'internal', retryable: true, details: { failedMutationId: 2 } } });
    const resent = await t.pushOk([putNote(1, 'a')]);
    expect(resent.outcomes[0]).toMatchObject({ id: 1, status: 'applied', duplicate: true });
    expect(resent.lastMutationId).toBe(1);
    expect([...(await pullAll(t)).keys()]).toEqual(['notes/a']);
  });

  it('patch merges fields and delete leaves a tombstone', async () => {
    t = await start({ collections: writableNotes });
    await t.pushOk([
      putNote(1, 'a', { text: 'x', n: 1 }),
      mutation(2, 'patch', { collection: 'notes', key: 'a', fields: { n: 2 }, expected: { n: 1 }, baseVersion: 1 }),
      putNote(3, 'b'),
      mutation(4, 'delete', { collection: 'notes', key: 'b', baseVersion: 3 }),
      mutation(5, 'delete', { collection: 'notes', key: 'never-existed', baseVersion: null }),
    ]);
    const state = await pullAll(t);
    expect(state.get('notes/a')).toEqual({ text: 'x', n: 2 });
    expect(state.get('notes/b')).toBe('deleted');
    expect(state.has('notes/never-existed')).toBe(false);
  });

  it('refuses non-consecutive ids in one batch with 400', async () => {
    t = await start({ collections: writableNotes });
    const response = await t.push([putNote(1, 'a'), putNote(3, 'b')]);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('mutations.1.id');
    expect((await pullAll(t)).size).toBe(0);
  });

  it('answers 403 when a client id is reused in another scope', async () => {
    t = await start({ collections: writableNotes });
    await t.pushOk([putNote(1, 'a')]);
    const push = await t.push([putNote(2, 'b')], { token: 'token-b' });
    expect(push.status).toBe(403);
    const pull = await t.post('/v1/pull', { v: 1, clientId: CLIENT, cursor: 0, limit: 10 }, 'token-b');
    expect(pull.status).toBe(403);
  });

  it('keeps scopes apart', async () => {
    t = await start({ collections: writableNotes });
    await t.pushOk([putNote(1, 'a')]);
    await t.pushOk([putNote(1, 'b')], { clientId: 'client-bbbb-0001', token: 'token-b' });
    const pageB = await t.pull(0, 100, { clientId: 'client-bbbb-0001', token: 'token-b' });
    expect(pageB.changes.map((c) => c.key)).toEqual(['b']);
    expect(pageB.cursor).toBe(1);
  });

  it('applies each mutation once when the same batch arrives twice concurrently', async () => {
    t = await start({ collections: writableNotes, mutations: failingHandlers });
    const batch = [putNote(1, 'a'), mutation(2, 'echo', 1), putNote(3, 'b')];
    const [first, second] = await Promise.all([t.pushOk(batch), t.pushOk(batch)]);
    const applied = [...(first?.outcomes ?? []), ...(second?.outcomes ?? [])].filter((o) => o.duplicate !== true);
    expect(applied.map((o) => o.id).sort()).toEqual([1, 2, 3]);
    const page = await t.pull(0, 100);
    expect(page.cursor).toBe(2);
  });

  it('gives concurrent clients of one scope distinct, consecutive versions', async () => {
    t = await start({ collections: writableNotes });
    const clients = ['client-cccc-0001', 'client-cccc-0002', 'client-cccc-0003'];
    await Promise.all(clients.map((clientId) => t.pushOk([1, 2, 3].map((id) => putNote(id, `${clientId}-${id}`)), { clientId })));
    const page = await t.pull(0, 100);
    expect(page.changes.map((c) => c.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('emits onScopeChanged once per slice commit that moved the version', async () => {
    // A time bound no test machine reaches: the four mutations form one slice.
    t = await start({ collections: writableNotes, mutations: failingHandlers, push: { maxSliceMs: 600_000 } });
    const seen: Array<{ scope: string; version: number }> = [];
    t.server.onScopeChanged((change) => seen.push(change));
    await t.pushOk([putNote(1, 'a'), mutation(2, 'refuse', null), mutation(3, 'echo', 1), putNote(4, 'b')]);
    expect(seen).toEqual([{ scope: 'scope-a', version: 2 }]);
  });

  it('emits onScopeChanged after each commit that moved the version, not for rejections or duplicates', async () => {
    // One mutation per slice: a commit per mutation, so each that moved the version is announced.
    t = await start({ collections: writableNotes, mutations: failingHandlers, push: { maxSliceMutations: 1 } });
    const seen: Array<{ scope: string; version: number }> = [];
    const unsubscribe = t.server.onScopeChanged((change) => seen.push(change));
    await t.pushOk([putNote(1, 'a'), mutation(2, 'refuse', null), mutation(3, 'echo', 1), putNote(4, 'b')]);
    await t.pushOk([putNote(1, 'a'), putNote(2, 'b')]);
    expect(seen).toEqual([
      { scope: 'scope-a', version: 1 },
      { scope: 'scope-a', version: 2 },
    ]);
    // Emitted after the commit: a pull started from the listener sees the announced version.
    const pulls: Array<Promise<number>> = [];
    t.server.onScopeChanged(() => pulls.push(t.pull(0, 100).then((p) => p.cursor)));
    unsubscribe();
    await t.pushOk([putNote(5, 'c')]);
    expect(await Promise.all(pulls)).toEqual([3]);
    expect(seen).toHaveLength(2);
  });
});
