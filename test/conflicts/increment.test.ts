// The commutative counter: increments from two tabs on one database and from two devices all count,
// exactly, on the server and in every view — and they never conflict, whatever the policy.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpTransport, type SynclineClient } from '../../src/index.js';
import { isSynclineError } from '../../src/core/errors.js';
import { serveNode, type CollectionPolicy, type NodeServerHandle } from '../../src/server.js';
import { createFaultTransport } from '../../src/testing/fault-transport.js';
import { memoryClient, serverView, sqliteClient, tempDir } from '../helpers/harness.js';
import { startConflictServer, type ConflictServer } from './helpers.js';

const POLICIES: Record<string, CollectionPolicy> = {
  strict: { writable: true, conflicts: 'server-wins' },
  readonly: { writable: false },
};

let dir: ReturnType<typeof tempDir>;
let server: ConflictServer;
const open: SynclineClient[] = [];

beforeEach(() => {
  dir = tempDir('syncline-increment-');
  server = startConflictServer(join(dir.path, 'server.db'), POLICIES);
});
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  await server.close();
  dir.remove();
});

async function track<T extends SynclineClient>(client: Promise<T>): Promise<T> {
  const c = await client;
  open.push(c);
  return c;
}

async function seed(stock: number): Promise<void> {
  const owner = await memoryClient(server.transport());
  await owner.collection('strict').put('espresso', { name: 'Espresso', stock });
  await owner.sync();
  await owner.close();
}

const stockOf = async (client: SynclineClient) => (await client.collection('strict').get('espresso'))?.['stock'];
const serverStock = async () => (await serverView(server.transport(), 'strict'))[0]?.value['stock'];

describe('increment', () => {
  it('two tabs on one database: the optimistic view sums, the server and both views end exact', async () => {
    await seed(10);
    const path = join(dir.path, 'till.db');
    const a = await track(sqliteClient(path, server.transport()));
    const b = await track(sqliteClient(path, server.transport()));
    await a.sync();
    for (let i = 0; i < 3; i++) {
      await a.collection('strict').increment('espresso', 'stock', -1);
      await b.collection('strict').increment('espresso', 'stock', -2);
    }
    expect(await stockOf(a)).toBe(1);
    expect(await stockOf(b)).toBe(1);
    // Another device sells meanwhile (server-wins would reject a stale patch; an increment applies).
    const other = await track(memoryClient(server.transport()));
    await other.collection('strict').increment('espresso', 'stock', -1);
    await other.sync();

    await b.sync();
    await a.sync();
    expect(await serverStock()).toBe(0);
    expect(await stockOf(a)).toBe(0);
    expect(await stockOf(b)).toBe(0);
    expect(await server.audit()).toEqual([]); // an increment never conflicts
  });

  it('two devices incrementing concurrently over real HTTP, through lost and duplicated deliveries: exact', async () => {
    await seed(100);
    let http: NodeServerHandle | undefined = await serveNode(server.server, { port: 0 });
    try {
      const url = http.url;
      const lossy = createFaultTransport(createHttpTransport({ url, token: 't1' }), { seed: 7 });
      const x = await track(sqliteClient(join(dir.path, 'x.db'), lossy, { pushBatchSize: 4 }));
      const y = await track(memoryClient(createHttpTransport({ url, token: 't1' }), { pushBatchSize: 3 }));
      await Promise.all([x.sync(), y.sync()]);
      for (let i = 0; i < 20; i++) {
        await x.collection('strict').increment('espresso', 'stock', -1);
        await y.collection('strict').increment('espresso', 'stock', -2);
      }
      lossy.setFaults({ lostResponse: 0.3, duplicateDelivery: 0.3 });
      await Promise.all([x.sync().catch(() => undefined), y.sync()]);
      const struck = lossy.faults();
      expect(struck.lostResponses + struck.duplicates).toBeGreaterThan(0);
      lossy.setFaults({ lostResponse: 0, duplicateDelivery: 0 });
      await Promise.all([x.sync(), y.sync()]);
      await Promise.all([x.sync(), y.sync()]); // each pulls the other's last increments
      expect(await serverStock()).toBe(100 - 20 - 40);
      expect(await stockOf(x)).toBe(40);
      expect(await stockOf(y)).toBe(40);
    } finally {
      await http.close();
      http = undefined;
    }
  });

  it('a missing record or field counts as 0; the applied outcome carries the total', async () => {
    const c = await track(memoryClient(server.transport()));
    const results: unknown[] = [];
    c.on('mutation.applied', (e) => results.push(e.result));
    await c.collection('strict').increment('new', 'points', 5);
    expect(await c.collection('strict').get('new')).toEqual({ points: 5 });
    await c.sync();
    await c.collection('strict').increment('new', 'visits', 1);
    await c.sync();
    expect(results).toEqual([{ value: 5 }, { value: 1 }]);
    expect((await serverView(server.transport(), 'strict'))[0]?.value).toEqual({ points: 5, visits: 1 });
  });

  it('a non-number is refused locally, or rejected as invalid-increment by the server and logged', async () => {
    await seed(10);
    const c = await track(sqliteClient(join(dir.path, 'till.db'), server.transport()));
    await c.sync();
    const local = await c.collection('strict').increment('espresso', 'name', 1).catch((e: unknown) => e);
    expect(isSynclineError(local) && local.code).toBe('invalid-argument');
    expect(await c.pendingCount()).toBe(0);

    // The local view still shows a number, the server no longer does.
    await c.collection('strict').increment('espresso', 'stock', -1);
    const owner = await track(memoryClient(server.transport()));
    await owner.sync();
    await owner.collection('strict').patch('espresso', { stock: 'sold out' });
    await owner.sync();
    const rejected: Array<{ code: string; message: string }> = [];
    c.on('mutation.rejected', (e) => rejected.push({ code: e.code, message: e.message }));
    await c.sync();
    expect(rejected).toEqual([{ code: 'invalid-increment', message: expect.stringMatching(/"stock" of strict\/espresso holds "sold out", not a number/) as unknown as string }]);
    expect(await stockOf(c)).toBe('sold out');
    expect((await c.rejectedMutations()).map((r) => [r.name, r.code, r.args])).toEqual([
      ['increment', 'invalid-increment', expect.objectContaining({ collection: 'strict', key: 'espresso', field: 'stock', by: -1 })],
    ]);
  });

  it('validates its arguments and the collection', async () => {
    const c = await track(memoryClient(server.transport()));
    const strict = c.collection('strict');
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const e = await strict.increment('k', 'n', bad).catch((x: unknown) => x);
      expect(isSynclineError(e) && e.message).toMatch(/by must be a finite number/);
    }
    const noField = await strict.increment('k', '', 1).catch((x: unknown) => x);
    expect(isSynclineError(noField) && noField.code).toBe('invalid-argument');
    await expect(c.mutate('increment', { collection: 'strict', key: 'k', field: 'n', by: 1 })).rejects.toThrow(/generic record operation/);

    const codes: string[] = [];
    c.on('mutation.rejected', (e) => codes.push(e.code));
    await c.collection('readonly').increment('k', 'n', 1);
    await c.sync();
    expect(codes).toEqual(['forbidden']);
  });
});
