// Two store instances on one SQLite file push the same backlog at once, as when a leader's cycle
// outlasts its lease and another process takes over. The server applies each mutation once; the
// process whose answer comes second finds the entries already settled by the other and carries on,
// instead of blaming the server with 'no-progress'.
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SyncEvent, SynclineClient } from '../../src/index.js';
import { systemTimers, type Timers } from '../../src/core/seams.js';
import type { Transport } from '../../src/transport/transport.js';
import { serverView, sqliteClient, startServer, tempDir, type TestServer } from '../helpers/harness.js';

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

/** A clock a minute ahead: to this process the other's lease has long expired. */
const later: Timers = { ...systemTimers, now: () => Date.now() + 60_000 };

/** Resolves when both processes have read their first batch (each waits for the other). */
function barrier(): { arrive(): Promise<void> } {
  let waiting = 2;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return {
    arrive() {
      if (--waiting === 0) release();
      return all;
    },
  };
}

/** Holds a process's first push until `until` resolves: its answer then reports only duplicates. */
function delayingFirstPush(inner: Transport, until: Promise<void>): Transport {
  let first = true;
  return {
    ...inner,
    stats: () => inner.stats(),
    pull: (request, options) => inner.pull(request, options),
    health: (options) => inner.health(options),
    push: async (request, options) => {
      if (first) {
        first = false;
        await until;
      }
      return inner.push(request, options);
    },
  };
}

async function twoProcesses(bTransport: (aCommittedFirstBatch: Promise<void>) => Transport) {
  const file = join(dir.path, 'client.db');
  const both = barrier();
  // Each process's first beforePush waits for the other's: both have read the same first batch.
  const firstBatchRead = () => {
    let first = true;
    return () => {
      if (!first) return undefined;
      first = false;
      return both.arrive();
    };
  };
  let committed!: () => void;
  const aCommitted = new Promise<void>((resolve) => (committed = resolve));
  const a = await sqliteClient(file, server.transport(), { pushBatchSize: 10, leaseMs: 60_000, verify: false, plugins: [{ name: 'a', beforePush: firstBatchRead() }] });
  open.push(a);
  a.on('mutation.applied', (e) => e.id === 10 && committed());
  for (let i = 1; i <= 35; i++) await a.collection('products').put(`p${String(i).padStart(2, '0')}`, { i });
  const b = await sqliteClient(file, bTransport(aCommitted), { pushBatchSize: 10, leaseMs: 60_000, verify: false, timers: later, plugins: [{ name: 'b', beforePush: firstBatchRead() }] });
  open.push(b);
  const events: SyncEvent[] = [];
  a.subscribe((e) => events.push(e));
  b.subscribe((e) => events.push(e));
  return { a, b, events };
}

/** A's cycle takes the lease first; B's clock says it has expired, so B takes it over mid-cycle. */
async function pushBoth(a: SynclineClient, b: SynclineClient) {
  const started = new Promise<void>((resolve) => {
    const off = a.on('sync.started', () => (off(), resolve()));
  });
  const ha = a.sync({ direction: 'push' }).result;
  await started;
  return Promise.all([ha, b.sync({ direction: 'push' }).result]);
}

it('the process answered second recognises the entries the other settled and finishes', async () => {
  const { a, b, events } = await twoProcesses((aCommitted) => delayingFirstPush(server.transport(), aCommitted));
  const [ra, rb] = await pushBoth(a, b);
  expect(ra.skipped || rb.skipped).toBe(false); // both really pushed
  expect(ra.outcome).toBe('completed');
  expect(rb.outcome).toBe('completed');
  expect(events.filter((e) => e.type === 'sync.failed')).toEqual([]);
  // Each mutation settled once across both processes, and applied once on the server.
  const applied = events.filter((e) => e.type === 'mutation.applied').map((e) => (e as { id: number }).id);
  expect(applied.sort((x, y) => x - y)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
  await b.sync(); // the lease is B's now; its pull confirms what was applied
  expect(await a.pendingCount()).toBe(0);
  const onServer = await serverView(server.transport(), 'products');
  expect(onServer).toHaveLength(35);
  expect(onServer.every((r) => r.key === `p${String(r.value['i']).padStart(2, '0')}`)).toBe(true);
});

it('two processes racing freely over the same backlog both finish, each mutation applied once', async () => {
  const { a, b, events } = await twoProcesses(() => server.transport());
  const [ra, rb] = await pushBoth(a, b);
  expect([ra.outcome, rb.outcome]).toEqual(['completed', 'completed']);
  expect(ra.skipped || rb.skipped).toBe(false);
  const applied = events.filter((e) => e.type === 'mutation.applied').map((e) => (e as { id: number }).id);
  expect(applied.sort((x, y) => x - y)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
  await b.sync();
  expect(await a.pendingCount()).toBe(0);
  expect(await serverView(server.transport(), 'products')).toHaveLength(35);
});
