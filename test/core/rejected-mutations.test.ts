// The rejected-mutations log: what the server refused for good, with its code and message, kept in
// the local store so every client instance on the database reads it; bounded and clearable.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemTimers, type SynclineClient } from '../../src/index.js';
import { MutationRejection } from '../../src/server.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { appendRejections, DEFAULT_REJECTION_LOG_LIMIT, readRejections } from '../../src/core/rejection-log.js';
import type { RejectedMutation } from '../../src/core/local-schema.js';
import { sqliteClient, startServer, tempDir, type TestServer } from '../helpers/harness.js';

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
const open: SynclineClient[] = [];
const clock = { ...systemTimers, now: () => 1_750_000_000_000 };

beforeEach(() => {
  dir = tempDir('syncline-rejections-');
  server = startServer({
    sqlitePath: join(dir.path, 'server.db'),
    mutations: {
      'sales.record': (_ctx, args) => {
        const sale = args as { item: string };
        if (sale.item === 'ghost') throw new MutationRejection('unknown-item', 'Item "ghost" is not in the catalogue.');
        if (sale.item === 'poison') throw new MutationRejection('handler-failed', 'The handler failed 5 times: boom. It is kept as dead letter 1.');
        return { ok: true };
      },
    },
  });
});
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  await server.close();
  dir.remove();
});

async function till(): Promise<SynclineClient> {
  const c = await sqliteClient(join(dir.path, 'till.db'), server.transport(), { timers: clock });
  open.push(c);
  return c;
}

describe('rejected-mutations log', () => {
  it('keeps each rejection with the server code and message, readable from another instance on the database', async () => {
    const a = await till();
    const events: Array<{ id: number; code: string; message: string }> = [];
    a.on('mutation.rejected', (e) => events.push({ id: e.id, code: e.code, message: e.message }));
    for (const item of ['espresso', 'ghost', 'tea', 'poison']) await a.mutate('sales.record', { item });
    await a.sync();

    expect(events).toEqual([
      { id: 2, code: 'unknown-item', message: 'Item "ghost" is not in the catalogue.' },
      { id: 4, code: 'handler-failed', message: 'The handler failed 5 times: boom. It is kept as dead letter 1.' },
    ]);
    const b = await till();
    const log = await b.rejectedMutations();
    expect(log).toEqual([
      { v: 1, id: 2, name: 'sales.record', args: { item: 'ghost' }, code: 'unknown-item', message: 'Item "ghost" is not in the catalogue.', rejectedAt: clock.now(), createdAt: clock.now() },
      { v: 1, id: 4, name: 'sales.record', args: { item: 'poison' }, code: 'handler-failed', message: events[1]?.message, rejectedAt: clock.now(), createdAt: clock.now() },
    ]);
    expect((await b.rejectedMutations({ after: 2 })).map((r) => r.id)).toEqual([4]);
    expect((await b.rejectedMutations({ limit: 1 })).map((r) => r.id)).toEqual([2]);

    expect(await b.clearRejectedMutations(2)).toBe(1);
    expect((await a.rejectedMutations()).map((r) => r.id)).toEqual([4]);
    expect(await a.clearRejectedMutations(100)).toBe(1);
    expect(await b.rejectedMutations()).toEqual([]);
  });

  it('validates its arguments', async () => {
    const a = await till();
    await expect(a.rejectedMutations({ limit: 0 })).rejects.toThrow(/limit must be a positive integer/);
    await expect(a.rejectedMutations({ after: -1 })).rejects.toThrow(/after must be a non-negative integer/);
    await expect(a.clearRejectedMutations(1.5)).rejects.toThrow(/throughId must be a non-negative integer/);
  });

  it('is bounded: the oldest entries go first', async () => {
    const store = createMemoryStore();
    const entry = (id: number): RejectedMutation => ({ v: 1, id, name: 'x', args: null, code: 'c', message: 'm', rejectedAt: id, createdAt: id });
    await store.write((tx) => appendRejections(tx, [1, 2, 3].map(entry), 4));
    await store.write((tx) => appendRejections(tx, [4, 5, 6].map(entry), 4));
    expect((await store.read((tx) => readRejections(tx))).map((r) => r.id)).toEqual([3, 4, 5, 6]);
    expect(DEFAULT_REJECTION_LOG_LIMIT).toBe(1000);
    await store.close();
  });
});
