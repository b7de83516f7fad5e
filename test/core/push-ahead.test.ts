// The push pipelines (concurrency >= 2): the next batch goes out before the current one is answered
// (the server queues it behind its predecessor) and the current one's outcomes are committed while
// the next travels — no extra requests; a batch in flight when the cycle is cancelled or fails is
// aborted and the next cycle resumes. With concurrency 1 it is one batch at a time.
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SynclineClient } from '../../src/index.js';
import { ServerError, TransportError } from '../../src/core/errors.js';
import type { Transport } from '../../src/transport/transport.js';
import { memoryClient, serverView, startServer, tempDir, type TestServer } from '../helpers/harness.js';

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
const open: SynclineClient[] = [];

beforeEach(() => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db') });
});
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  await server.close();
  dir.remove();
});

/** Logs each push request (first id), each answer, and which requests were aborted before their answer. */
function logging(inner: Transport, log: string[], faults: { failFirst?: number; holdUntilAborted?: number; gapFirst?: number } = {}): Transport & { aborted: number[] } {
  let { failFirst, holdUntilAborted, gapFirst } = faults;
  const aborted: number[] = [];
  return {
    ...inner,
    stats: () => inner.stats(),
    pull: (request, options) => inner.pull(request, options),
    health: (options) => inner.health(options),
    push: async (request, options) => {
      const first = request.mutations[0]?.id ?? 0;
      log.push(`request ${first}`);
      let answered = false;
      options?.signal?.addEventListener('abort', () => answered || aborted.push(first), { once: true });
      if (first === failFirst) {
        failFirst = undefined;
        throw new TransportError('test: the link dropped');
      }
      if (first === gapFirst) {
        // What a server that does not queue a client's pushes (an older one, another instance)
        // answers a batch that arrives while its predecessor is still being applied.
        gapFirst = undefined;
        throw new ServerError(409, 'mutation-gap', 'test: Mutation ids must continue from 0.', { details: { expectedId: 1, lastMutationId: 0 } });
      }
      const hold = first === holdUntilAborted;
      if (hold) holdUntilAborted = undefined;
      const response = await inner.push(request, options);
      if (hold && options?.signal !== undefined) {
        // The server has applied it; its answer is still on the way when the cycle is cancelled.
        const signal = options.signal;
        if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        throw signal.reason;
      }
      answered = true;
      log.push(`answered ${first}`);
      return response;
    },
    aborted,
  };
}

async function pusher(transport: Transport, concurrency: number, log: string[]): Promise<SynclineClient> {
  const client = await memoryClient(transport, { pushBatchSize: 10, concurrency, verify: false });
  open.push(client);
  let committed: number[] = [];
  client.on('mutation.applied', (e) => {
    committed.push(e.id);
    // Events of one commit are emitted together; the batch's last id closes it.
    if (e.id % 10 === 0 || e.id === 25) {
      log.push(`committed ${committed[0]}`);
      committed = [];
    }
  });
  for (let i = 1; i <= 25; i++) await client.collection('products').put(`p${String(i).padStart(2, '0')}`, { i });
  return client;
}

it('with concurrency 2 sends the next batch before the current one is answered, and commits while it travels', async () => {
  const log: string[] = [];
  const client = await pusher(logging(server.transport(), log), 2, log);
  const result = await client.sync({ direction: 'push' });
  // (When batch k+1's answer arrives relative to batch k's commit is up to the machine.)
  expect(log.filter((l) => !l.startsWith('answered'))).toEqual([
    'request 1', 'request 11', 'request 21', 'committed 1', 'committed 11', 'committed 21',
  ]);
  // Pipelined: each batch left before its predecessor's answer came back.
  expect(log.indexOf('request 11')).toBeLessThan(log.indexOf('answered 1'));
  expect(log.indexOf('request 21')).toBeLessThan(log.indexOf('answered 11'));
  // Every batch was applied, none refused as a gap and sent again.
  expect(result.pushed).toMatchObject({ requests: 3, sent: 25, applied: 25 });
  expect(await client.pendingCount()).toBe(25); // applied, awaiting the pull that confirms them
  expect((await client.sync()).pushed.requests).toBe(0);
  expect(await client.pendingCount()).toBe(0);
});

it('with concurrency 1 sends each batch only after the previous one is committed', async () => {
  const log: string[] = [];
  const client = await pusher(logging(server.transport(), log), 1, log);
  const result = await client.sync({ direction: 'push' });
  expect(log).toEqual([
    'request 1', 'answered 1', 'committed 1',
    'request 11', 'answered 11', 'committed 11',
    'request 21', 'answered 21', 'committed 21',
  ]);
  expect(result.pushed).toMatchObject({ requests: 3, sent: 25, applied: 25 });
});

it('aborts the batch in flight when the cycle is cancelled after a commit, and the next cycle resumes', async () => {
  const log: string[] = [];
  const transport = logging(server.transport(), log, { holdUntilAborted: 11 });
  const client = await pusher(transport, 2, log);
  const handle = client.sync({ direction: 'push' });
  const off = client.on('mutation.applied', (e) => {
    if (e.id === 10) handle.cancel(); // batch 11..20 is in flight now
  });
  await expect(handle.result).rejects.toMatchObject({ name: 'AbortedError' });
  off();
  expect(transport.aborted).toContain(11);
  expect(log.filter((l) => l.startsWith('request'))).toEqual(['request 1', 'request 11', 'request 21']);

  log.length = 0;
  const result = await client.sync();
  expect(log[0]).toBe('request 11'); // the committed batch is not sent again
  expect(result.pushed.sent).toBe(15);
  expect(await client.pendingCount()).toBe(0);
  expect(await serverView(server.transport(), 'products')).toHaveLength(25);
});

it('commits the answered batch when the batch sent ahead fails, and the next cycle resends from there', async () => {
  const log: string[] = [];
  const client = await pusher(logging(server.transport(), log, { failFirst: 11 }), 2, log);
  await expect(client.sync({ direction: 'push' })).rejects.toMatchObject({ code: 'transport' });
  // Nothing is sent behind a batch already known to have failed.
  expect(log).toEqual(['request 1', 'request 11', 'answered 1', 'committed 1']);

  log.length = 0;
  const result = await client.sync({ direction: 'push' });
  expect(log.filter((l) => l.startsWith('request'))).toEqual(['request 11', 'request 21']);
  expect(result.pushed).toMatchObject({ sent: 15, applied: 15 });
});

it('resends a batch sent early that met a gap once its predecessor is answered, and stops sending early for the cycle', async () => {
  const log: string[] = [];
  const client = await pusher(logging(server.transport(), log, { gapFirst: 11 }), 2, log);
  const result = await client.sync({ direction: 'push' });
  expect(result.pushed).toMatchObject({ requests: 4, sent: 25, applied: 25, rejected: 0 });
  expect(log.filter((l) => l.startsWith('request'))).toEqual(['request 1', 'request 11', 'request 11', 'request 21']);
  // No longer pipelined: 21 left only after 11 was answered.
  expect(log.indexOf('request 21')).toBeGreaterThan(log.indexOf('answered 11'));
  expect(await serverView(server.transport(), 'products')).toHaveLength(25);
});

it("still stops with 'no-progress' when an answer settles nothing that is still waiting", async () => {
  const inner = server.transport();
  const silent: Transport = {
    ...inner,
    stats: () => inner.stats(),
    pull: (request, options) => inner.pull(request, options),
    health: (options) => inner.health(options),
    push: async () => ({ v: 1, lastMutationId: 0, outcomes: [] }),
  };
  const client = await pusher(silent, 2, []);
  await expect(client.sync({ direction: 'push' })).rejects.toMatchObject({ serverCode: 'no-progress', message: expect.stringContaining('mutations 1..10') });
  expect(await client.pendingCount()).toBe(25);
});
