import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, isSynclineError, type SyncEvent, type SynclineClient } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { receiptHandlers, receiptMutators } from '../../src/receipts.js';
import { createFaultTransport } from '../../src/testing/fault-transport.js';
import { memoryClient, serverView, sqliteClient, startServer, tempDir, type TestServer } from '../helpers/harness.js';

const items = [{ description: 'Espresso', quantity: '2', unitPrice: '1.20', vat: '10' }];
let dir: ReturnType<typeof tempDir>;
let server: TestServer;
const open: SynclineClient[] = [];

beforeEach(() => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db'), mutations: receiptHandlers });
});
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  await server.close();
  dir.remove();
});

async function client(extra: Parameters<typeof memoryClient>[1] = {}) {
  const c = await memoryClient(server.transport(), { mutators: receiptMutators, ...extra });
  open.push(c);
  return c;
}

describe('local writes', () => {
  it('are visible at once, queued durably, and confirmed after a sync', async () => {
    const a = await client();
    const products = a.collection('products');
    await products.put('p1', { name: 'Espresso', price: '1.20', stock: 10 });
    await products.patch('p1', { stock: 9 });
    expect(await products.get('p1')).toEqual({ name: 'Espresso', price: '1.20', stock: 9 });
    expect(await a.pendingCount()).toBe(2);
    await a.sync();
    expect(await a.pendingCount()).toBe(0);
    expect(await products.get('p1')).toEqual({ name: 'Espresso', price: '1.20', stock: 9 });
    expect(await serverView(server.transport(), 'products')).toEqual([{ key: 'p1', value: { name: 'Espresso', price: '1.20', stock: 9 } }]);
  });

  it('reach other clients through the server, deletions included', async () => {
    const a = await client();
    const b = await client();
    await a.collection('products').put('p1', { price: '1.00' });
    await a.collection('products').put('p2', { price: '2.00' });
    await a.sync();
    await b.sync();
    expect((await b.collection('products').list()).map((r) => r.key)).toEqual(['p1', 'p2']);
    await a.collection('products').delete('p1');
    await a.sync();
    await b.sync();
    expect((await b.collection('products').list()).map((r) => r.key)).toEqual(['p2']);
  });

  it('refuses bad input with a clear error and queues nothing', async () => {
    const a = await client();
    await expect(a.collection('products').put('', { x: 1 })).rejects.toThrow(/Invalid record key/);
    await expect(a.collection('products').put('k', { x: Number.NaN })).rejects.toThrow(/plain JSON objects/);
    expect(() => a.collection('no spaces allowed')).toThrow(/Invalid collection name/);
    await expect(a.mutate('receipts.create', { id: 'r1', items: [] })).rejects.toThrow();
    await expect(a.mutate('put', {})).rejects.toThrow(/generic record operation/);
    expect(await a.pendingCount()).toBe(0);
  });
});

describe('named mutations and rejections', () => {
  it('rolls a rejected mutation back locally, reports it, and keeps going', async () => {
    const a = await client();
    const events: SyncEvent[] = [];
    a.subscribe((e) => events.push(e));
    await a.mutate('receipts.void', { id: 'v1', receiptId: 'nope' });
    await a.mutate('receipts.create', { id: 'r1', items, issuedAt: 1 });
    expect(await a.collection('receipts').get('v1')).toMatchObject({ kind: 'void' });
    const result = await a.sync();
    expect(result.pushed).toMatchObject({ applied: 1, rejected: 1 });
    expect(await a.collection('receipts').get('v1')).toBeUndefined();
    expect(await a.collection('receipts').get('r1')).toMatchObject({ documentNumber: 1 });
    expect(events.find((e) => e.type === 'mutation.rejected')).toMatchObject({ id: 1, code: 'unknown-receipt' });
    expect(events.filter((e) => e.type === 'mutation.applied')).toHaveLength(1);
  });

  it('learns the outcome of a mutation whose response was lost', async () => {
    const transport = createFaultTransport(server.transport(), { seed: 1, lostResponse: 1 });
    const a = await client({});
    const b = await createClient({ store: createMemoryStore(), transport, autoSync: false, mutators: receiptMutators });
    open.push(b);
    void a;
    const events: SyncEvent[] = [];
    b.subscribe((e) => events.push(e));
    await b.mutate('receipts.create', { id: 'r1', items, issuedAt: 1 });
    await expect(b.sync()).rejects.toSatisfy(isSynclineError);
    transport.setFaults({ lostResponse: 0 });
    await b.sync();
    expect(await b.pendingCount()).toBe(0);
    expect(events.find((e) => e.type === 'mutation.applied')).toMatchObject({ id: 1, duplicate: true });
    expect(await serverView(server.transport(), 'receipts')).toHaveLength(1);
  });
});

describe('events', () => {
  it('reports queued, sync started/completed/failed', async () => {
    const transport = createFaultTransport(server.transport(), { seed: 3 });
    const a = await createClient({ store: createMemoryStore(), transport, autoSync: false });
    open.push(a);
    const types: string[] = [];
    const phases: string[] = [];
    // metrics.updated follows each ended cycle after a store read, so its place among these varies.
    a.subscribe((e) => (e.type === 'sync.phase' ? phases.push(`${e.phase}:${e.state}`) : e.type === 'metrics.updated' ? 0 : types.push(e.type)));
    await a.collection('products').put('p', { n: 1 });
    transport.setOffline(true);
    await expect(a.sync()).rejects.toMatchObject({ code: 'transport' });
    transport.setOffline(false);
    await a.sync();
    expect(types).toEqual([
      'mutation.queued',
      'records.changed',
      'sync.started',
      'sync.failed',
      'sync.started',
      'mutation.applied',
      'sync.progress',
      'records.changed',
      'sync.progress',
      'sync.completed',
    ]);
    // The failed cycle stopped in execute; the second ran every phase in order.
    const second = ['validate', 'prepare', 'execute', 'verify', 'cleanup'].flatMap((p) => [`${p}:started`, `${p}:completed`]);
    expect(phases).toEqual(['validate:started', 'validate:completed', 'prepare:started', 'prepare:completed', 'execute:started', ...second]);
  });
});

describe('restarts and gaps', () => {
  it('keeps identity and pending writes across a restart from the SQLite file', async () => {
    const path = join(dir.path, 'till.db');
    const first = await sqliteClient(path, server.transport());
    await first.collection('products').put('p', { n: 1 });
    const id = first.clientId;
    await first.close();
    const second = await sqliteClient(path, server.transport());
    open.push(second);
    expect(second.clientId).toBe(id);
    expect(await second.pendingCount()).toBe(1);
    await second.sync();
    expect(await serverView(server.transport(), 'products')).toHaveLength(1);
  });

  it('stops with a mutation-gap error when the server lost mutations this client already sent', async () => {
    const path = join(dir.path, 'till.db');
    const a = await sqliteClient(path, server.transport());
    await a.collection('products').put('p', { n: 1 });
    await a.sync();
    await a.collection('products').put('p', { n: 2 });
    await a.close();
    // A server restored from an old backup knows nothing of mutation 1.
    const restored = startServer({ sqlitePath: join(dir.path, 'restored.db') });
    const b = await sqliteClient(path, restored.transport());
    await expect(b.sync()).rejects.toMatchObject({ code: 'mutation-gap' });
    expect(await b.pendingCount()).toBe(1);
    await b.close();
    await restored.close();
  });
});
