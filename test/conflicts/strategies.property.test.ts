// Property, per strategy: several clients with clocks skewed by minutes edit shared records
// concurrently — offline, online, pulling in between — while the network drops requests, loses
// responses and delivers twice. Once healed and synced, every replica equals the server, the server
// equals what the strategy's model (./model.ts) computes from the writes in the order the server
// processed them, and the audit trail lists exactly the writes the model calls conflicts.
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SynclineClient } from '../../src/index.js';
import type { CollectionPolicy, ConflictStrategy } from '../../src/server.js';
import type { JsonObject } from '../../src/protocol/json.js';
import type { PushRequest } from '../../src/protocol/wire.js';
import { createFaultTransport, type FaultTransport } from '../../src/testing/fault-transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { memoryClient, serverView, tempDir } from '../helpers/harness.js';
import { SkewedClocks, startConflictServer } from './helpers.js';
import { largerWins, MERGE_RULES, StrategyModel, type ModelStrategy, type ProcessedWrite } from './model.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? (process.env['CI'] ? 60 : 20));
const SEED = Number(process.env['PROPERTY_SEED'] ?? 20261125);
const KEYS = ['r1', 'r2'] as const;

const STRATEGIES: Record<ModelStrategy, ConflictStrategy> = {
  'server-wins': 'server-wins',
  'client-wins': 'client-wins',
  'last-writer-wins': 'last-writer-wins',
  merge: { merge: MERGE_RULES },
  custom: {
    resolve: ({ server, client }) => {
      const value: JsonObject = { ...(server.value ?? {}) };
      for (const [f, v] of Object.entries(client.value ?? {})) value[f] = largerWins((server.value?.[f] ?? null) as never, v as never);
      return { value };
    },
  },
};

type Action =
  | { t: 'write'; c: number; key: number; fields: Array<'a' | 'b' | 'name' | 'price' | 'stock'>; take: number }
  | { t: 'sync'; c: number; direction: 'push' | 'pull' | 'both' }
  | { t: 'offline'; c: number; offline: boolean }
  | { t: 'tick'; ms: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('write' as const), c: fc.nat(2), key: fc.nat(1), fields: fc.subarray(['a', 'b', 'name', 'price', 'stock'] as const, { minLength: 1 }), take: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('sync' as const), c: fc.nat(2), direction: fc.constantFrom('push' as const, 'pull' as const, 'both' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('offline' as const), c: fc.nat(2), offline: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 90_000 }) }) },
);
const scenario = fc.record({
  skews: fc.array(fc.integer({ min: -5 * 60_000, max: 5 * 60_000 }), { minLength: 3, maxLength: 3 }),
  faults: fc.record({
    dropRequest: fc.double({ min: 0, max: 0.2, noNaN: true }),
    lostResponse: fc.double({ min: 0, max: 0.3, noNaN: true }),
    duplicateDelivery: fc.double({ min: 0, max: 0.2, noNaN: true }),
  }),
  actions: fc.array(action, { minLength: 5, maxLength: 30 }),
  seed: fc.nat(1_000_000),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Sits between the fault transport and the server: sees each push's first outcome in server order. */
function recording(inner: Transport, log: ProcessedWrite[]): Transport {
  return {
    ...inner,
    pull: (r, o) => inner.pull(r, o),
    health: (o) => inner.health(o),
    stats: () => inner.stats(),
    async push(request: PushRequest, options) {
      const response = await inner.push(request, options);
      for (const outcome of response.outcomes) {
        const m = request.mutations.find((x) => x.id === outcome.id);
        if (outcome.duplicate !== true && m !== undefined) log.push({ clientId: request.clientId, mutationId: m.id, name: m.name, args: m.args as never });
      }
      return response;
    },
  };
}

const dir = tempDir('syncline-conflict-prop-');
afterAll(() => dir.remove());
let runNo = 0;

async function run(strategy: ModelStrategy, s: Scenario): Promise<number> {
  const policy: Record<string, CollectionPolicy> = { items: { writable: true, conflicts: STRATEGIES[strategy] } };
  const server = startConflictServer(join(dir.path, `server-${++runNo}.db`), policy);
  const processed: ProcessedWrite[] = [];
  const clocks = new SkewedClocks();
  const clients: Array<{ client: SynclineClient; transport: FaultTransport }> = [];
  let unique = 0;
  try {
    const seeder = await memoryClient(recording(server.transport(), processed), { timers: clocks.timers(0) });
    for (const key of KEYS) await seeder.collection('items').put(key, { a: 'a0', b: 'b0', name: 'n0', price: 'p0', stock: 100 });
    await seeder.sync();
    await seeder.close();
    for (const [i, skew] of s.skews.entries()) {
      const transport = createFaultTransport(recording(server.transport(), processed), { seed: s.seed + i });
      const client = await memoryClient(transport, { timers: clocks.timers(skew) });
      await client.sync(); // everyone starts from the seeded state
      transport.setFaults(s.faults);
      clients.push({ client, transport });
    }
    for (const a of s.actions) {
      if (a.t === 'tick') {
        clocks.advance(a.ms);
        continue;
      }
      const d = clients[a.c];
      if (d === undefined) continue;
      if (a.t === 'offline') d.transport.setOffline(a.offline);
      if (a.t === 'sync') await d.client.sync({ direction: a.direction }).catch(() => undefined);
      if (a.t === 'write') {
        const items = d.client.collection('items');
        const key = KEYS[a.key] ?? 'r1';
        const now = await items.get(key);
        const fields: JsonObject = {};
        // Unique values, so "expected equals current" happens only when the client really saw it.
        for (const f of a.fields) fields[f] = f === 'stock' ? Number(now?.['stock'] ?? 0) - a.take : `${f}${++unique}`;
        await items.patch(key, fields);
        clocks.advance(1);
      }
    }
    for (const d of clients) {
      d.transport.setOffline(false);
      d.transport.setFaults({ dropRequest: 0, lostResponse: 0, duplicateDelivery: 0 });
    }
    for (let round = 0; round < 2; round++) for (const d of clients) await d.client.sync();

    const onServer = await serverView(server.transport(), 'items');
    const model = new StrategyModel(strategy);
    for (const w of processed) model.apply(w);
    expect(onServer).toEqual(model.state());
    for (const d of clients) {
      expect(await d.client.pendingCount()).toBe(0);
      expect(await d.client.collection('items').list()).toEqual(onServer);
    }
    const audited = (await server.audit()).map((e) => `${e.clientId}/${e.mutationId}`);
    expect(new Set(audited)).toEqual(model.conflicts);
    expect(audited).toHaveLength(model.conflicts.size);
    return model.conflicts.size;
  } finally {
    for (const d of clients) await d.client.close().catch(() => undefined);
    await server.close();
  }
}

describe('conflict strategies converge to their model (property)', () => {
  for (const strategy of Object.keys(STRATEGIES) as ModelStrategy[]) {
    it(`${strategy}: ${RUNS} random scenarios (seed ${SEED})`, async () => {
      let conflicts = 0;
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          conflicts += await run(strategy, s);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      // The scenarios really produced conflicts for the strategy to resolve.
      expect(conflicts).toBeGreaterThan(RUNS);
    }, 300_000);
  }
});
