// Poison mutations: a named handler that always throws must not wedge its client. After
// `maxHandlerAttempts` failed attempts the mutation is consumed as rejected / handler-failed, kept as
// a dead letter, and the mutations behind it apply. Real client, real HTTP on loopback, SQLite file.
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createSyncServer, MutationRejection, REPLAY_CLIENT_ID, serveNode, tokenAuth } from '../../src/server.js';
import type { MutationHandler, SyncServer } from '../../src/server.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { memoryClient, tempDir } from '../helpers/harness.js';
import { isJsonObject } from '../../src/protocol/json.js';
import { mutation } from './helpers.js';
import { startServer } from './helpers.js';
import type { TestServer } from './helpers.js';

const ATTEMPTS = 3;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `step` logs every application; step 3 throws until `cure()` is called. */
function stepDomain() {
  let cured = false;
  const seen: Array<{ clientId: string; mutationId: number; replayOf?: unknown }> = [];
  const handlers: Record<string, MutationHandler> = {
    step: async (ctx, args) => {
      const n = isJsonObject(args) ? args['n'] : undefined;
      if (n === 3 && !cured) throw new Error('the fiscal printer exploded');
      seen.push({ clientId: ctx.clientId, mutationId: ctx.mutationId, ...(ctx.replayOf === undefined ? {} : { replayOf: ctx.replayOf }) });
      await ctx.put('steps', `s${String(n)}`, { n: n ?? null });
      return { n: n ?? null };
    },
    refuse: () => {
      throw new MutationRejection('nope', 'refused');
    },
  };
  return { handlers, seen, cure: () => (cured = true) };
}

it('dead-letters mutation 3 of 10 after N failed attempts; 4-10 apply; the client learns handler-failed; it can be listed and replayed', async () => {
  const dir = tempDir('syncline-dead-');
  const domain = stepDomain();
  const server: SyncServer = createSyncServer({
    database: { sqlite: join(dir.path, 'server.db') },
    auth: tokenAuth({ t1: 'shop' }),
    mutations: domain.handlers,
    push: { maxHandlerAttempts: ATTEMPTS },
  });
  const http = await serveNode(server, { port: 0 });
  cleanups.push(async () => {
    await http.close();
    await server.close();
    dir.remove();
  });
  const transport = createHttpTransport({ url: http.url, token: 't1' });
  const client = await memoryClient(transport);
  cleanups.push(() => client.close());
  const rejected: Array<{ id: number; code: string; message: string }> = [];
  client.subscribe((e) => {
    if (e.type === 'mutation.rejected') rejected.push({ id: e.id, code: e.code, message: e.message });
  });
  for (let n = 1; n <= 10; n++) await client.mutate('step', { n });

  // Each sync is one more attempt (the client's own retry schedule does the same, with backoff).
  const failures: string[] = [];
  for (let i = 0; i < 20 && (await client.pendingCount()) > 0; i++) {
    await client.sync().catch((error: unknown) => failures.push((error as { code: string }).code));
  }
  expect(await client.pendingCount()).toBe(0);
  expect(failures.filter((code) => code !== 'circuit-open')).toHaveLength(ATTEMPTS - 1);
  expect(rejected).toEqual([{ id: 3, code: 'handler-failed', message: 'the fiscal printer exploded' }]);
  expect(domain.seen.map((s) => s.mutationId)).toEqual([1, 2, 4, 5, 6, 7, 8, 9, 10]);
  expect((await client.collection('steps').list()).map((r) => r.key)).toEqual(['s1', 's10', 's2', 's4', 's5', 's6', 's7', 's8', 's9']);

  const letters = await server.deadLetters();
  expect(letters).toHaveLength(1);
  const letter = letters[0];
  expect(letter).toMatchObject({ id: `${client.clientId}:3`, scope: 'shop', clientId: client.clientId, mutationId: 3, name: 'step', args: { n: 3 }, error: 'the fiscal printer exploded', attempts: ATTEMPTS, status: 'dead' });
  expect(letter?.deadLetteredAt).toBeGreaterThanOrEqual(letter?.firstFailedAt ?? Infinity);

  // Still failing: the replay reports it, records it, writes nothing.
  expect(await server.replayDeadLetter(letter?.id ?? '')).toEqual({ status: 'failed', message: 'the fiscal printer exploded' });
  expect((await server.deadLetters())[0]).toMatchObject({ status: 'dead', lastReplayError: { message: 'the fiscal printer exploded' } });

  domain.cure();
  const poked: number[] = [];
  server.onScopeChanged((change) => poked.push(change.version));
  const replay = await server.replayDeadLetter(letter?.id ?? '');
  expect(replay).toMatchObject({ status: 'replayed', result: { n: 3 } });
  expect(poked).toEqual([replay.status === 'replayed' ? replay.version : -1]);
  expect(domain.seen.at(-1)).toEqual({ clientId: REPLAY_CLIENT_ID, mutationId: 1, replayOf: { clientId: client.clientId, mutationId: 3, deadLetterId: letter?.id } });
  expect(await server.deadLetters()).toEqual([]);
  expect(await server.deadLetters({ status: 'replayed' })).toMatchObject([{ id: letter?.id, status: 'replayed', replayVersion: replay.status === 'replayed' ? replay.version : -1 }]);
  await expect(server.replayDeadLetter(letter?.id ?? '')).rejects.toThrow(/already replayed/);

  // The replay's write reaches the client like any server-side change.
  await client.sync();
  expect((await client.collection('steps').get('s3'))).toEqual({ n: 3 });
}, 60_000);

it('counts attempts across requests, in the committed part of the slice', async () => {
  const domain = stepDomain();
  const t: TestServer = startServer({ mutations: domain.handlers, push: { maxHandlerAttempts: 2 } });
  cleanups.push(() => t.cleanup());
  const batch = [1, 2, 3, 4].map((n) => mutation(n, 'step', { n }));
  const first = await t.push(batch);
  expect(first.status).toBe(500);
  expect(await first.json()).toMatchObject({ error: { retryable: true, details: { failedMutationId: 3, committedThrough: 2 } } });
  const second = await t.pushOk(batch);
  expect(second.outcomes.map((o) => [o.id, o.status, o.duplicate ?? false, o.status === 'rejected' ? o.code : ''])).toEqual([
    [1, 'applied', true, ''],
    [2, 'applied', true, ''],
    [3, 'rejected', false, 'handler-failed'],
    [4, 'applied', false, ''],
  ]);
  // A resend gets the stored rejection back.
  expect((await t.pushOk([mutation(3, 'step', { n: 3 })])).outcomes[0]).toMatchObject({ status: 'rejected', code: 'handler-failed', duplicate: true });
  expect(await t.server.deadLetters({ status: 'all' })).toHaveLength(1);
});

it('rejects a mutation nested deeper than the protocol limit for good at the door (invalid-args), never a retryable 500', async () => {
  const t: TestServer = startServer({ mutations: stepDomain().handlers });
  cleanups.push(() => t.cleanup());
  const nest = (depth: number): unknown => (depth === 0 ? 1 : { a: nest(depth - 1) });
  const deep = await t.post('/v1/push', `{"v":1,"clientId":"client-aaaa-0001","mutations":[{"id":1,"name":"step","createdAt":1,"args":${'['.repeat(5000)}${']'.repeat(5000)}}]}`);
  expect(deep.status).toBe(200);
  expect(await deep.json()).toMatchObject({ lastMutationId: 1, outcomes: [{ id: 1, status: 'rejected', code: 'invalid-args', message: expect.stringContaining('levels deep') }] });
  expect((await t.pushOk([mutation(2, 'step', { n: 1, deep: nest(65) } as never)])).outcomes[0]).toMatchObject({ status: 'rejected', code: 'invalid-args' });
  // At the limit it is accepted.
  expect((await t.pushOk([mutation(3, 'step', { n: 1, deep: nest(63) } as never)])).outcomes[0]).toMatchObject({ status: 'applied' });
});
