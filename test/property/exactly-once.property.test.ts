// Property: whatever the interleaving of writes, syncs, faults, offline periods and client restarts
// (graceful or abandoned mid-sync), the server applies every mutation exactly once in per-client
// order, refusals do not block later mutations, and every replica converges to the server's state.
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SyncCycleResult, SynclineClient } from '../../src/index.js';
import { createFaultTransport, type FaultTransport } from '../../src/testing/fault-transport.js';
import { serverView, sqliteClient, startServer, tempDir } from '../helpers/harness.js';
import { logHandlers } from './log-domain.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? (process.env['CI'] ? 300 : 60));
const SEED = Number(process.env['PROPERTY_SEED'] ?? 20261124);

type Action =
  | { t: 'append'; c: number }
  | { t: 'reject'; c: number }
  | { t: 'put'; c: number; key: string; price: number }
  | { t: 'patch'; c: number; key: string; stock: number }
  | { t: 'delete'; c: number; key: string }
  | { t: 'sync'; c: number; background: boolean; direction: 'push' | 'pull' | 'both' }
  | { t: 'offline'; c: number; offline: boolean }
  | { t: 'restart'; c: number; abandon: boolean };

const key = fc.constantFrom('p1', 'p2', 'p3');
const c = fc.nat(2);
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('append' as const), c }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('reject' as const), c }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('put' as const), c, key, price: fc.nat(100) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('patch' as const), c, key, stock: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delete' as const), c, key }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('sync' as const), c, background: fc.boolean(), direction: fc.constantFrom('push' as const, 'pull' as const, 'both' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('offline' as const), c, offline: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('restart' as const), c, abandon: fc.boolean() }) },
);
const faultLevel = fc.record({
  dropRequest: fc.double({ min: 0, max: 0.3, noNaN: true }),
  serverError: fc.double({ min: 0, max: 0.2, noNaN: true }),
  lostResponse: fc.double({ min: 0, max: 0.3, noNaN: true }),
  duplicateDelivery: fc.double({ min: 0, max: 0.2, noNaN: true }),
});

/** One simulated device: survives restarts through its SQLite file. */
interface Device {
  path: string;
  client: SynclineClient;
  transport: FaultTransport;
  clientId: string;
  appended: number;
  mutationNames: Map<number, string>;
  settled: Map<number, string[]>;
  abandoned: SynclineClient[];
  inflight: Array<Promise<unknown>>;
}

const dir = tempDir('syncline-prop-');
afterAll(() => dir.remove());
let runNo = 0;

async function runScenario(devices: number, faults: Record<string, number>, actions: Action[], seed: number) {
  const run = ++runNo;
  const server = startServer({ sqlitePath: join(dir.path, `server-${run}.db`), mutations: logHandlers });
  const fleet: Device[] = [];
  const open = async (d: Pick<Device, 'path' | 'transport'>) => sqliteClient(d.path, d.transport);
  const track = (d: Device) => {
    d.client.subscribe((e) => {
      if (e.type === 'mutation.applied' || e.type === 'mutation.rejected') {
        d.settled.set(e.id, [...(d.settled.get(e.id) ?? []), e.type === 'mutation.applied' ? 'applied' : 'rejected']);
      }
    });
  };
  try {
    for (let i = 0; i < devices; i++) {
      const transport = createFaultTransport(server.transport(), { seed: seed + i, ...faults });
      const path = join(dir.path, `run-${run}-dev-${i}.db`);
      const client = await open({ path, transport });
      const d: Device = { path, client, transport, clientId: client.clientId, appended: 0, mutationNames: new Map(), settled: new Map(), abandoned: [], inflight: [] };
      track(d);
      fleet.push(d);
    }
    for (const a of actions) {
      const d = fleet[a.c % fleet.length];
      if (d === undefined) continue;
      const products = d.client.collection('products');
      switch (a.t) {
        case 'append': {
          const { mutationId } = await d.client.mutate('log.append', { seq: ++d.appended });
          d.mutationNames.set(mutationId, 'log.append');
          break;
        }
        case 'reject': {
          const { mutationId } = await d.client.mutate('log.reject', {});
          d.mutationNames.set(mutationId, 'log.reject');
          break;
        }
        case 'put':
          d.mutationNames.set((await products.put(a.key, { price: a.price })).mutationId, 'put');
          break;
        case 'patch':
          d.mutationNames.set((await products.patch(a.key, { stock: a.stock })).mutationId, 'patch');
          break;
        case 'delete':
          d.mutationNames.set((await products.delete(a.key)).mutationId, 'delete');
          break;
        case 'sync': {
          const p = d.client.sync({ direction: a.direction }).result.catch(() => undefined);
          if (a.background) d.inflight.push(p);
          else await p;
          break;
        }
        case 'offline':
          d.transport.setOffline(a.offline);
          break;
        case 'restart':
          if (a.abandon) d.abandoned.push(d.client); // a "crash": the old instance is left as it is, maybe mid-sync
          else await d.client.close();
          d.client = await open(d);
          track(d);
          break;
      }
    }

    // Heal the network, then let everyone sync until quiet.
    for (const d of fleet) {
      d.transport.setOffline(false);
      d.transport.setFaults({ dropRequest: 0, serverError: 0, lostResponse: 0, duplicateDelivery: 0 });
      await Promise.all(d.inflight);
    }
    for (let round = 0; round < 2; round++) for (const d of fleet) await syncAsLeader(d.client);
    // Quiet and connected: every replica proves it holds the server's state (digest check).
    for (const d of fleet) expect((await syncAsLeader(d.client)).verify.status).toBe('verified');

    const log = await serverView(server.transport(), 'log');
    const products = await serverView(server.transport(), 'products');
    for (const d of fleet) {
      // Exactly once, in order: this device's seqs, in server counter order, are 1..appended.
      const seqs = log.filter((r) => r.value['clientId'] === d.clientId).map((r) => r.value['seq']);
      expect(seqs).toEqual(Array.from({ length: d.appended }, (_, i) => i + 1));
      // Nothing left behind; every replica holds exactly the server's state.
      if (process.env['PROPERTY_DEBUG'] && (await d.client.pendingCount()) !== 0) {
        const { openSqliteStore } = await import('../../src/stores/sqlite-store.js');
        const s = await openSqliteStore(d.path);
        console.log(JSON.stringify(await s.read(async (tx) => ({ outbox: await tx.scan('outbox'), meta: await tx.scan('meta') })), null, 1));
        await s.close();
      }
      expect(await d.client.pendingCount()).toBe(0);
      expect(await d.client.collection('log').list()).toEqual(log);
      expect(await d.client.collection('products').list()).toEqual(products);
      // Every mutation's outcome was reported exactly once: refusals as refusals, the rest as applied.
      for (const [id, name] of d.mutationNames) {
        expect(d.settled.get(id), `outcome events of mutation ${id} (${name})`).toEqual([name === 'log.reject' ? 'rejected' : 'applied']);
      }
      expect(d.settled.size).toBe(d.mutationNames.size);
    }
  } finally {
    for (const d of fleet) {
      await Promise.all(d.inflight);
      for (const old of d.abandoned) await old.close().catch(() => undefined);
      await d.client.close().catch(() => undefined);
    }
    await server.close();
  }
}

/** A sync that another instance's (now finished) cycle skipped for holding the lease is retried. */
async function syncAsLeader(client: SynclineClient): Promise<SyncCycleResult> {
  for (;;) {
    const result = await client.sync();
    if (!result.skipped) return result;
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('exactly-once delivery under faults, offline periods and restarts (property)', () => {
  it(`holds for ${RUNS} random scenarios (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), faultLevel, fc.array(action, { minLength: 1, maxLength: 40 }), fc.nat(1_000_000), (devices, faults, actions, seed) =>
        runScenario(devices, faults, actions, seed),
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true, ...(process.env['PROPERTY_PATH'] ? { path: process.env['PROPERTY_PATH'] } : {}) },
    );
  }, 600_000);
});
