// Settling a push answer uses the entries read for the request instead of parsing each one again,
// but what another tab or process may have changed meanwhile is read from the store: an entry a pull
// of theirs marked `covered` is done once its outcome is known, an entry named twice in an answer is
// settled once, and an entry missing behind the unsettled index is still quarantined.
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SyncEvent, SynclineClient } from '../../src/index.js';
import { T } from '../../src/core/local-schema.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import type { Store } from '../../src/stores/store.js';
import type { JsonValue } from '../../src/protocol/json.js';
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

/** Runs `before` with each push request's ids before sending it, and lets `after` edit the answer. */
function around(inner: Transport, before: (ids: number[]) => Promise<void>, after: (r: Awaited<ReturnType<Transport['push']>>) => void = () => undefined): Transport {
  return {
    ...inner,
    stats: () => inner.stats(),
    pull: (request, options) => inner.pull(request, options),
    health: (options) => inner.health(options),
    push: async (request, options) => {
      await before(request.mutations.map((m) => m.id));
      const response = await inner.push(request, options);
      after(response);
      return response;
    },
  };
}

/** What another process's pull does to an entry whose effects it confirmed (pull-apply.ts). */
async function markCovered(store: Store, ids: number[]): Promise<void> {
  await store.write(async (tx) => {
    for (const id of ids) {
      const key = String(id).padStart(16, '0');
      const entry = (await tx.get(T.outbox, key)) as Record<string, JsonValue>;
      await tx.put(T.outbox, key, { ...entry, covered: true });
    }
  });
}

it('drops an entry that another process marked covered while its request travelled', async () => {
  const store = createMemoryStore();
  const transport = around(server.transport(), (ids) => markCovered(store, ids.filter((id) => id % 2 === 0)));
  const a = await memoryClient(transport, { store, pushBatchSize: 4, concurrency: 1, verify: false, closeStore: false });
  open.push(a);
  for (let i = 1; i <= 8; i++) await a.collection('products').put(`p${i}`, { i });
  const result = await a.sync({ direction: 'push' });
  expect(result.pushed).toMatchObject({ sent: 8, applied: 8 });
  // Covered and applied: done. Applied only: kept (with its outcome) until a pull brings its effect.
  const left = (await store.read((tx) => tx.scan(T.outbox))) as Array<[string, { id: number; covered: boolean; outcome?: unknown }]>;
  expect(left.map(([, e]) => e.id)).toEqual([1, 3, 5, 7]);
  expect(left.every(([, e]) => !e.covered && e.outcome !== undefined)).toBe(true);
  expect(await store.read((tx) => tx.count(T.unsettled))).toBe(0);
  await store.close();
});

it('settles an id once when an answer names it twice', async () => {
  const transport = around(server.transport(), async () => undefined, (response) => {
    const first = response.outcomes[0];
    if (first !== undefined) response.outcomes.push(first);
  });
  const a = await memoryClient(transport, { pushBatchSize: 3, concurrency: 1, verify: false });
  open.push(a);
  const applied: number[] = [];
  a.subscribe((e: SyncEvent) => e.type === 'mutation.applied' && applied.push(e.id));
  for (let i = 1; i <= 6; i++) await a.collection('products').put(`p${i}`, { i });
  const result = await a.sync({ direction: 'push' });
  expect(result.pushed.applied).toBe(6);
  expect(applied).toEqual([1, 2, 3, 4, 5, 6]);
});

it('quarantines an id the unsettled index lists but the outbox lacks, and sends the rest around it', async () => {
  const store = createMemoryStore();
  const a = await memoryClient(server.transport(), { store, pushBatchSize: 10, verify: false, closeStore: false });
  open.push(a);
  const events: SyncEvent[] = [];
  a.subscribe((e) => events.push(e));
  for (let i = 1; i <= 5; i++) await a.collection('products').put(`p${i}`, { i });
  await store.write((tx) => tx.delete(T.outbox, '0000000000000003'));
  const result = await a.sync({ direction: 'push' });
  expect(result.quarantined).toBe(1);
  expect(events.filter((e) => e.type === 'mutation.quarantined')).toEqual([expect.objectContaining({ id: 3, reason: expect.stringContaining('no entry') })]);
  expect((await serverView(server.transport(), 'products')).map((r) => r.key).sort()).toEqual(['p1', 'p2', 'p4', 'p5']);
  await store.close();
});
