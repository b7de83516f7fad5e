// Each strategy end to end: real server (SQLite), real HTTP transport, memory clients. What the
// client sees (outcome, optimistic view, log, events), what the server holds and what it audited.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncEvent, SynclineClient, SyncPlugin } from '../../src/index.js';
import type { CollectionPolicy } from '../../src/server.js';
import { memoryClient, serverView, tempDir } from '../helpers/harness.js';
import { SkewedClocks, startConflictServer, type ConflictServer } from './helpers.js';

let dir: ReturnType<typeof tempDir>;
let server: ConflictServer;
const open: SynclineClient[] = [];
const clocks = new SkewedClocks();

const policies: Record<string, CollectionPolicy> = {
  sw: { writable: true, conflicts: 'server-wins' },
  cw: { writable: true, conflicts: 'client-wins' },
  lww: { writable: true, conflicts: 'last-writer-wins' },
  dflt: { writable: true },
  products: { writable: true, conflicts: { merge: { price: 'lww', stock: 'delta', name: 'server' } } },
  custom: {
    writable: true,
    conflicts: {
      resolve: (c) => (c.op === 'delete' ? 'reject' : { value: { ...(c.server.value ?? {}), ...(c.client.value ?? {}), resolvedBy: 'custom' } }),
    },
  },
};

beforeEach(() => {
  dir = tempDir('syncline-conflicts-');
  server = startConflictServer(join(dir.path, 'server.db'), policies, { t1: 'scope-1', t2: 'scope-2' });
});
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  await server.close();
  dir.remove();
});

async function client(skewMs = 0, plugins: SyncPlugin[] = []) {
  const c = await memoryClient(server.transport(), { timers: clocks.timers(skewMs), plugins });
  open.push(c);
  return c;
}

/** Two clients that both hold `value` for coll/key, confirmed. */
async function twoSynced(coll: string, value: Record<string, string | number>, skews: [number, number] = [0, 0], plugins: SyncPlugin[] = []) {
  const a = await client(skews[0]);
  const b = await client(skews[1], plugins);
  await a.collection(coll).put('k', value);
  await a.sync();
  await b.sync();
  return { a, b };
}

function events(c: SynclineClient): SyncEvent[] {
  const seen: SyncEvent[] = [];
  c.subscribe((e) => seen.push(e));
  return seen;
}

describe('server-wins', () => {
  it('rejects a stale patch as a conflict, rolls the client back and audits it', async () => {
    const { a, b } = await twoSynced('sw', { price: 10, name: 'Pane' });
    await a.collection('sw').patch('k', { price: 11 });
    await a.sync();
    const seen = events(b);
    await b.collection('sw').patch('k', { price: 12 });
    expect(await b.collection('sw').get('k')).toEqual({ price: 12, name: 'Pane' });
    await b.sync({ direction: 'push' });
    // Rolled back at once (to the confirmed value; the pull brings the server's).
    expect(await b.collection('sw').get('k')).toEqual({ price: 10, name: 'Pane' });
    expect(seen).toContainEqual(expect.objectContaining({ type: 'mutation.rejected', code: 'conflict' }));
    await b.sync();
    expect(await b.collection('sw').get('k')).toEqual({ price: 11, name: 'Pane' });
    expect(seen.filter((e) => e.type.startsWith('conflict.')).map((e) => e.type)).toEqual(['conflict.detected', 'conflict.resolved']);
    const [logged] = await b.conflicts();
    expect(logged).toMatchObject({ collection: 'sw', key: 'k', mutationName: 'patch', clientValue: { price: 12 }, server: { strategy: 'server-wins', resolution: 'server', fields: ['price'], serverValue: { price: 11, name: 'Pane' } } });
    const audit = await server.audit();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ clientId: b.clientId, op: 'patch', strategy: 'server-wins', resolution: 'server', expected: { price: 10 }, clientValue: { price: 12 }, serverValue: { price: 11, name: 'Pane' }, value: { price: 11, name: 'Pane' } });
  });

  it('lets a resolveConflict plugin re-apply the change on top of the server state', async () => {
    const plugin: SyncPlugin = { name: 'keep-mine', resolveConflict: (c) => ({ action: 'reapply', fields: c.clientValue ?? {} }) };
    const { a, b } = await twoSynced('sw', { price: 10, name: 'Pane' }, [0, 0], [plugin]);
    await a.collection('sw').patch('k', { price: 11 });
    await a.sync();
    await b.collection('sw').patch('k', { price: 12 });
    await b.sync({ direction: 'push' });
    // The re-applied patch is already the optimistic state, and it went out in the same push phase.
    expect(await b.collection('sw').get('k')).toEqual({ price: 12, name: 'Pane' });
    await b.sync();
    expect(await b.pendingCount()).toBe(0);
    expect((await serverView(server.transport(), 'sw'))[0]?.value).toEqual({ price: 12, name: 'Pane' });
    const [logged] = await b.conflicts();
    expect(logged?.reappliedAs).toBe(2);
  });

  it('rejects a put on a record another client changed, and a delete of it', async () => {
    const { a, b } = await twoSynced('sw', { n: 1 });
    await a.collection('sw').put('k', { n: 2 });
    await a.sync();
    await b.collection('sw').put('k', { n: 3 });
    await b.collection('sw').delete('k');
    await b.sync();
    expect((await serverView(server.transport(), 'sw'))[0]?.value).toEqual({ n: 2 });
    expect(await b.collection('sw').get('k')).toEqual({ n: 2 });
    expect((await server.audit()).map((e) => e.op)).toEqual(['put', 'delete']);
  });

  it("never treats a client's own earlier write as a conflict", async () => {
    const { b } = await twoSynced('sw', { n: 1 });
    await b.collection('sw').put('k', { n: 2 });
    await b.collection('sw').put('k', { n: 3 }); // same base version as the first: not a conflict
    await b.sync();
    expect((await serverView(server.transport(), 'sw'))[0]?.value).toEqual({ n: 3 });
    expect(await server.audit()).toEqual([]);
  });
});

describe('client-wins (and the default)', () => {
  it.each(['cw', 'dflt'])('%s: applies the stale write and audits the conflict', async (coll) => {
    const { a, b } = await twoSynced(coll, { n: 1, m: 1 });
    await a.collection(coll).put('k', { n: 2, m: 2 });
    await a.sync();
    await b.collection(coll).patch('k', { n: 3 });
    await b.sync();
    expect((await serverView(server.transport(), coll))[0]?.value).toEqual({ n: 3, m: 2 });
    expect(await b.collection(coll).get('k')).toEqual({ n: 3, m: 2 });
    expect(await server.audit()).toMatchObject([{ strategy: 'client-wins', resolution: 'client', fields: ['n'] }]);
  });
});

describe('last-writer-wins', () => {
  it('takes the later stamp, and corrects the losing client at once', async () => {
    const { a, b } = await twoSynced('lww', { price: 10 });
    await b.collection('lww').patch('k', { price: 12 }); // earlier
    clocks.advance(1000);
    await a.collection('lww').patch('k', { price: 11 }); // later, pushed first
    await a.sync();
    await b.sync({ direction: 'push' });
    expect(await b.collection('lww').get('k')).toEqual({ price: 11 }); // before any pull
    const [entry] = await b.conflicts();
    expect(entry?.server).toMatchObject({ strategy: 'last-writer-wins', resolution: 'server' });
  });

  it('follows causality, not wall time, when clocks are skewed by minutes', async () => {
    // a's clock runs 5 minutes fast; b's is right. b writes after it has seen a's write.
    const { a, b } = await twoSynced('lww', { price: 10 }, [5 * 60_000, 0]);
    await b.collection('lww').patch('k', { price: 20 }); // b1: offline, before a's write
    clocks.advance(1000);
    await a.collection('lww').patch('k', { price: 30 }); // stamped 5 min ahead of true time
    await a.sync();
    clocks.advance(1000);
    await b.sync({ direction: 'pull' }); // b now holds a's write in its confirmed state…
    await b.collection('lww').patch('k', { price: 40 }); // …so b2 causally follows it, with an earlier wall time
    await b.sync();
    await a.sync();
    // b1 is concurrent with a's write and older by the clocks: it loses. b2 wins although its wall
    // time is minutes before a's stamp.
    expect((await serverView(server.transport(), 'lww'))[0]?.value).toEqual({ price: 40 });
    expect(await a.collection('lww').get('k')).toEqual({ price: 40 });
    expect((await server.audit()).map((e) => e.resolution)).toEqual(['server', 'client']);
  });

  it('orders concurrent whole-record writes by stamp, deletes included', async () => {
    const { a, b } = await twoSynced('lww', { n: 1 });
    await a.collection('lww').delete('k');
    clocks.advance(10);
    await b.collection('lww').put('k', { n: 2 });
    await b.sync(); // b's put first
    await a.sync(); // a's older delete loses
    await b.sync();
    expect((await serverView(server.transport(), 'lww'))[0]?.value).toEqual({ n: 2 });
    expect(await a.collection('lww').get('k')).toEqual({ n: 2 });
  });
});

describe('merge (the products policy)', () => {
  it('merges fields one side changed; price by LWW, stock by delta, name server-wins', async () => {
    const { a, b } = await twoSynced('products', { name: 'Pane', price: '2.50', stock: 10, shelf: 'A' });
    await b.collection('products').patch('k', { name: 'Bread', price: '2.70', stock: 7 }); // earlier stamp
    clocks.advance(1000);
    await a.collection('products').patch('k', { name: 'Pane bianco', price: '2.60', stock: 8, shelf: 'B' });
    await a.sync();
    await b.sync();
    await a.sync();
    const expected = { name: 'Pane bianco', price: '2.60', stock: 5, shelf: 'B' };
    expect((await serverView(server.transport(), 'products'))[0]?.value).toEqual(expected);
    expect(await b.collection('products').get('k')).toEqual(expected);
    expect(await a.collection('products').get('k')).toEqual(expected);
    expect(await server.audit()).toMatchObject([{ strategy: 'merge', resolution: 'merged', fields: ['name', 'price', 'stock'] }]);
  });
});

describe('custom resolver', () => {
  it('stores what the function returns, or rejects when it says so', async () => {
    const { a, b } = await twoSynced('custom', { x: 1 });
    await a.collection('custom').put('k', { x: 2 });
    await a.sync();
    await b.collection('custom').put('k', { y: 3 });
    await b.sync();
    expect((await serverView(server.transport(), 'custom'))[0]?.value).toEqual({ x: 2, y: 3, resolvedBy: 'custom' });
    await a.collection('custom').delete('k'); // a's base is now stale again
    await a.sync();
    expect((await serverView(server.transport(), 'custom'))).toHaveLength(1);
    expect((await server.audit()).map((e) => [e.op, e.resolution])).toEqual([['put', 'custom'], ['delete', 'server']]);
  });
});

describe('audit trail', () => {
  it('GET /v1/conflicts is scoped by credentials, paged by seq, and validated', async () => {
    const { a, b } = await twoSynced('cw', { n: 0 });
    for (let i = 1; i <= 3; i++) {
      await a.collection('cw').put('k', { n: i * 10 });
      await a.sync();
      await b.collection('cw').put('k', { n: i * 10 + 1 });
      await b.sync();
      await a.sync();
    }
    const all = await server.audit();
    expect(all.map((e) => e.seq)).toEqual([1, 2, 3]); // b's three stale puts; a always wrote on the latest
    expect(await server.audit('t2')).toEqual([]);
    const page = await server.server.fetch(new Request('http://syncline.test/v1/conflicts?limit=1&after=1', { headers: { authorization: 'Bearer t1' } }));
    expect(await page.json()).toMatchObject({ v: 1, hasMore: true, conflicts: [{ seq: 2, clientId: b.clientId }] });
    const bad = await server.server.fetch(new Request('http://syncline.test/v1/conflicts?limit=0', { headers: { authorization: 'Bearer t1' } }));
    expect(bad.status).toBe(400);
    const anonymous = await server.server.fetch(new Request('http://syncline.test/v1/conflicts'));
    expect(anonymous.status).toBe(401);
  });

  it('emits conflict.detected and conflict.resolved on the server after the commit, once', async () => {
    const seen: string[] = [];
    server.server.onConflict((e) => seen.push(`${e.type}:${e.conflict.strategy}:${e.mutationId}`));
    const { a, b } = await twoSynced('sw', { n: 0 });
    await a.collection('sw').put('k', { n: 1 });
    await a.sync();
    await b.collection('sw').put('k', { n: 2 });
    await b.sync();
    await b.sync();
    expect(seen).toEqual(['conflict.detected:server-wins:1', 'conflict.resolved:server-wins:1']);
  });

  it('keeps the local conflict log within its retention bound', async () => {
    const { a, b } = await twoSynced('cw', { n: 0 });
    const { appendConflictLog, readConflictLog } = await import('../../src/core/conflict-log.js');
    const { createMemoryStore } = await import('../../src/stores/memory-store.js');
    const store = createMemoryStore();
    const report = { seq: 1, strategy: 'client-wins' as const, resolution: 'client' as const, serverVersion: 1, serverValue: null, value: null };
    const entry = { at: 0, mutationId: 1, mutationName: 'put', collection: 'cw', key: 'k', clientValue: null, server: report };
    for (let i = 0; i < 7; i++) await store.write((tx) => appendConflictLog(tx, [entry, entry], 5));
    const kept = await store.read((tx) => readConflictLog(tx));
    expect(kept.map((e) => e.seq)).toEqual([10, 11, 12, 13, 14]);
    expect((await store.read((tx) => readConflictLog(tx, { after: 12 }))).map((e) => e.seq)).toEqual([13, 14]);
    void a;
    void b;
  });
});
