// A push reads the backlog one batch at a time: before the first request only that batch's entries
// are read and parsed (not the whole queue), and a malformed entry further back is quarantined when
// its batch is read, with the same skip-with-the-same-id semantics as before.
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SyncEvent, SynclineClient } from '../../src/index.js';
import { T } from '../../src/core/local-schema.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import type { Store, StoreReader, StoreWriter } from '../../src/stores/store.js';
import type { Transport } from '../../src/transport/transport.js';
import { PUSH_BATCH_MAX_CHARS } from '../../src/core/push-batch-bytes.js';
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

/** A store that counts how many outbox entries its transactions read. */
function countingOutboxReads(inner: Store): Store & { outboxReads: number } {
  const counted = <R extends StoreReader>(tx: R): R =>
    new Proxy(tx, {
      get(target, prop, receiver) {
        if (prop === 'get') {
          return (table: string, key: string) => {
            if (table === T.outbox) wrapper.outboxReads += 1;
            return target.get(table, key);
          };
        }
        if (prop === 'scan') {
          return async (table: string, options?: Parameters<StoreReader['scan']>[1]) => {
            const rows = await target.scan(table, options);
            if (table === T.outbox) wrapper.outboxReads += rows.length;
            return rows;
          };
        }
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  const wrapper = {
    name: inner.name,
    outboxReads: 0,
    read: <X>(fn: (tx: StoreReader) => Promise<X>) => inner.read((tx) => fn(counted(tx))),
    write: <X>(fn: (tx: StoreWriter) => Promise<X>) => inner.write((tx) => fn(counted(tx))),
    close: () => inner.close(),
  };
  return wrapper;
}

/** Calls `onPush` with each push request's first and last id before sending it. */
function observingPushes(inner: Transport, onPush: (first: number, last: number) => void): Transport {
  return {
    ...inner,
    stats: () => inner.stats(),
    pull: (request, options) => inner.pull(request, options),
    health: (options) => inner.health(options),
    push: (request, options) => {
      onPush(request.mutations[0]?.id ?? 0, request.mutations.at(-1)?.id ?? 0);
      return inner.push(request, options);
    },
  };
}

it('reads only the first batch of a long backlog before sending the first request', async () => {
  const store = countingOutboxReads(createMemoryStore());
  const readsBeforePush: number[] = [];
  const transport = observingPushes(server.transport(), () => readsBeforePush.push(store.outboxReads));
  const a = await memoryClient(transport, { store, pushBatchSize: 5, concurrency: 1, verify: false });
  open.push(a);
  for (let i = 0; i < 60; i++) await a.collection('products').put(`p${i}`, { i });
  store.outboxReads = 0;
  const result = await a.sync({ direction: 'push' });
  expect(result.pushed).toMatchObject({ sent: 60, applied: 60, requests: 12 });
  // The batch itself (5) and the one-row scan for settledThrough; never the 60 entries of the queue.
  expect(readsBeforePush[0]).toBeLessThanOrEqual(6);
});

it('quarantines a malformed entry when its batch is read, and sends a skip with its id instead', async () => {
  const store = createMemoryStore();
  const pushes: Array<[number, number]> = [];
  const transport = observingPushes(server.transport(), (first, last) => pushes.push([first, last]));
  const a = await memoryClient(transport, { store, pushBatchSize: 3, concurrency: 2, closeStore: false });
  open.push(a);
  const events: SyncEvent[] = [];
  let quarantinedAfterPushes = -1;
  a.subscribe((e) => {
    events.push(e);
    if (e.type === 'mutation.quarantined') quarantinedAfterPushes = pushes.length;
  });
  for (let i = 1; i <= 9; i++) await a.collection('products').put(`p${i}`, { i });
  await store.write((tx) => tx.put(T.outbox, '0000000000000007', { v: 99, damaged: true }));

  const result = await a.sync();
  expect(result.quarantined).toBe(1);
  expect(pushes).toEqual([[1, 3], [4, 6], [7, 9]]);
  const quarantined = events.filter((e) => e.type === 'mutation.quarantined');
  expect(quarantined).toEqual([expect.objectContaining({ id: 7 })]);
  // Found when its batch was read, after earlier batches had been answered: not by a scan up front.
  // (Batches go out before their predecessors are answered, so that is all the order there is.)
  expect(quarantinedAfterPushes).toBe(2);
  expect(events.find((e) => e.type === 'mutation.rejected')).toMatchObject({ id: 7, code: 'skipped-by-client' });
  expect(await store.read((tx) => tx.scan(T.quarantine))).toEqual([
    ['0000000000000007', expect.objectContaining({ id: 7, raw: { v: 99, damaged: true } })],
  ]);
  expect(await a.pendingCount()).toBe(0);
  expect((await serverView(server.transport(), 'products')).map((r) => r.key).sort()).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p8', 'p9']);
  expect((await a.sync()).quarantined).toBe(0);
  await store.close();
});

it('cuts a batch of large values by size, so no request passes the server\'s default body limit', async () => {
  const sizes: number[] = [];
  const transport = observingPushes(server.transport(), (first, last) => sizes.push(last - first + 1));
  // 40 values of 60 kB: 2.4 MB of JSON, more than twice the server's 1 MiB default body limit, in
  // what the default batch size (500) would send as one request.
  const a = await memoryClient(transport, { verify: false });
  open.push(a);
  for (let i = 0; i < 40; i++) await a.collection('products').put(`p${i}`, { i, blob: 'x'.repeat(60_000) });
  const result = await a.sync({ direction: 'push' });
  expect(result.pushed).toMatchObject({ sent: 40, applied: 40, rejected: 0 });
  expect(sizes.length).toBeGreaterThan(1);
  expect(Math.max(...sizes)).toBeLessThanOrEqual(Math.floor(PUSH_BATCH_MAX_CHARS / 60_000));
  expect(await serverView(server.transport(), 'products')).toHaveLength(40);
});

it('sends one mutation larger than the size budget on its own', async () => {
  const batches: Array<[number, number]> = [];
  const transport = observingPushes(server.transport(), (first, last) => batches.push([first, last]));
  const a = await memoryClient(transport, { verify: false });
  open.push(a);
  await a.collection('products').put('small-1', { n: 1 });
  await a.collection('products').put('big', { blob: 'y'.repeat(PUSH_BATCH_MAX_CHARS + 10) });
  await a.collection('products').put('small-2', { n: 2 });
  const result = await a.sync({ direction: 'push' });
  expect(result.pushed).toMatchObject({ applied: 3 });
  // Every request carried one mutation. [3, 3] goes early, while [2, 2] is unanswered; if it reaches
  // the server's queue more than OVERTAKEN_WAIT_MS before the big body has been read (a loaded
  // machine), it is refused as a gap and sent again after [2, 2]: the documented pipelining path,
  // so the same batch may appear twice, never a different one.
  expect(batches.every(([first, last]) => first === last)).toBe(true);
  expect(batches.slice(0, 3)).toEqual([[1, 1], [2, 2], [3, 3]]);
  expect(batches.slice(3)).toEqual(batches.length > 3 ? [[3, 3]] : []);
});

it('quarantines a queued entry the server would refuse at the door (NUL in a value), so it cannot stop the queue', async () => {
  const store = createMemoryStore();
  const a = await memoryClient(server.transport(), { store, closeStore: false, verify: false });
  open.push(a);
  for (let i = 1; i <= 3; i++) await a.collection('products').put(`p${i}`, { name: `n${i}` });
  // As an older client (before put() refused it) would have queued it.
  await store.write(async (tx) => {
    const entry = (await tx.get(T.outbox, '0000000000000002')) as { args: { value: { name: string } } };
    entry.args.value.name = 'a\u0000b';
    await tx.put(T.outbox, '0000000000000002', entry as never);
  });
  const result = await a.sync();
  expect(result.quarantined).toBe(1);
  expect(result.pushed).toMatchObject({ applied: 2 });
  expect(await a.pendingCount()).toBe(0);
  expect((await serverView(server.transport(), 'products')).map((r) => r.key).sort()).toEqual(['p1', 'p3']);
  const quarantined = (await store.read((tx) => tx.scan(T.quarantine))) as Array<[string, { reason: string }]>;
  expect(quarantined.map(([, q]) => q.reason)).toEqual([expect.stringContaining('NUL')]);
  await store.close();
});

it('sends a batch again in halves when the server\'s body limit is below the size budget (413)', async () => {
  const small = startServer({ sqlitePath: join(dir.path, 'small.db'), limits: { maxBodyBytes: 64 * 1024 } });
  try {
    const sizes: number[] = [];
    const transport = observingPushes(small.transport(), (first, last) => sizes.push(last - first + 1));
    const a = await memoryClient(transport, { verify: false });
    open.push(a);
    // 40 values of 10 kB: within the 256 Ki-character budget in two requests, far past 64 KiB each.
    for (let i = 0; i < 40; i++) await a.collection('products').put(`p${i}`, { i, blob: 'z'.repeat(10_000) });
    const result = await a.sync({ direction: 'push' });
    expect(result.pushed).toMatchObject({ sent: 40, applied: 40, rejected: 0 });
    // 25 fill the size budget and are refused whole, as are the 15 sent behind them before that
    // answer came; then 12 are refused too; at most 6 (~60 kB) pass.
    expect(sizes.slice(0, 3)).toEqual([25, 15, 12]);
    expect(Math.max(...sizes.slice(3))).toBeLessThanOrEqual(6);
    expect(await serverView(small.transport(), 'products')).toHaveLength(40);
  } finally {
    await small.close();
  }
});
