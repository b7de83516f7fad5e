// server.mutate: a server-side write runs a named handler in the scope under its lock, takes a scope
// version, is pulled by clients and poked to them; a rejection writes nothing. Both backends.
import { afterEach, expect, it } from 'vitest';
import { MutationRejection, SERVER_CLIENT_ID } from '../../src/server.js';
import type { MutationHandler } from '../../src/server.js';
import { isJsonObject } from '../../src/protocol/json.js';
import { describeEachDialect, pullAll, putNote, writableNotes } from './helpers.js';
import type { TestServer } from './helpers.js';
import { openPokes, until } from './poke-reader.js';

const seen: Array<{ clientId: string; mutationId: number; scope: string }> = [];
const mutations: Record<string, MutationHandler> = {
  receiptAccepted: async (ctx, args) => {
    if (!isJsonObject(args) || typeof args['receiptId'] !== 'string') throw new MutationRejection('bad-args', 'receiptId is required');
    seen.push({ clientId: ctx.clientId, mutationId: ctx.mutationId, scope: ctx.scope });
    await ctx.put('receipts', args['receiptId'], { status: 'accepted' });
    return { ok: true };
  },
};

describeEachDialect('server.mutate', (start) => {
  const started: TestServer[] = [];
  afterEach(async () => {
    seen.length = 0;
    await Promise.all(started.splice(0).map((t) => t.cleanup()));
  });

  it('writes in the scope as syncline:server; the change is poked and pulled; a rejection writes nothing', async () => {
    const t = await start({ collections: writableNotes, mutations });
    started.push(t);
    await t.pushOk([putNote(1, 'n1')]);
    const pokes = await openPokes(t.server, 'token-a');
    try {
      await until('the stream opens at version 1', () => pokes.versions.includes(1));
      const applied = await t.server.mutate('scope-a', 'receiptAccepted', { receiptId: 'r-1' });
      expect(applied).toEqual({ status: 'applied', version: 2, result: { ok: true } });
      await until('the server-side write is poked', () => pokes.versions.includes(2));
      expect(seen).toEqual([{ clientId: SERVER_CLIENT_ID, mutationId: 1, scope: 'scope-a' }]);
      const state = await pullAll(t);
      expect(state.get('receipts/r-1')).toEqual({ status: 'accepted' });

      const rejected = await t.server.mutate('scope-a', 'receiptAccepted', { nope: true });
      expect(rejected).toMatchObject({ status: 'rejected', code: 'bad-args' });
      expect((await t.pull(0)).cursor).toBe(2);
      // Numbering continues where the last applied write left it (a rejected write takes no number).
      await t.server.mutate('scope-a', 'receiptAccepted', { receiptId: 'r-2' });
      expect(seen.at(-1)).toEqual({ clientId: SERVER_CLIENT_ID, mutationId: 2, scope: 'scope-a' });
      // The other scope saw nothing.
      expect((await t.pull(0, 100, { token: 'token-b', clientId: 'client-bbbb-0001' })).changes).toEqual([]);
    } finally {
      await pokes.stop();
    }
  });

  it('a handler that throws rolls back and rethrows; an empty scope is refused', async () => {
    const t = await start({ mutations: { boom: async (ctx) => { await ctx.put('x', 'k', { a: 1 }); throw new Error('printer on fire'); } } });
    started.push(t);
    await expect(t.server.mutate('scope-a', 'boom', null)).rejects.toThrow('printer on fire');
    expect((await t.pull(0)).cursor).toBe(0);
    await expect(t.server.mutate('', 'boom', null)).rejects.toThrow(/scope/);
  });
});
