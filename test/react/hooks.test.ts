// @vitest-environment happy-dom
// The hooks in a real React renderer against a real server on loopback: a record shown, updated by a
// local write and by a pull of another client's write; the outbox counting down; the sync phases;
// listeners gone after unmount; no stale value after the key prop changes.
import { createElement as h, StrictMode, useLayoutEffect } from 'react';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { Collection, SynclineClient } from '../../src/index.js';
import { MissingProviderError, useCollection, useOutbox, useRecord, useSyncStatus, type Loadable, type RecordEntry } from '../../src/react.js';
import { countListeners, mount, startLoopbackServer, texts, type LoopbackServer } from './react-harness.js';

type Product = { name: string; stock: number };

let server: LoopbackServer;
beforeAll(async () => {
  server = await startLoopbackServer();
});
afterAll(() => server.close());

function ProductName(props: { id: string; log?: string[] }) {
  const { status, data } = useRecord<Product>('products', props.id);
  const text = status === 'loading' ? 'loading' : (data?.name ?? 'missing');
  useLayoutEffect(() => void props.log?.push(text));
  return h('span', { 'data-testid': 'name' }, text);
}

function Outbox() {
  const outbox = useOutbox();
  return h('span', { 'data-testid': 'outbox' }, outbox.data === undefined ? 'loading' : `${outbox.data.pending} pending${outbox.data.oldestPendingAt === undefined ? '' : ' (aged)'}`);
}

const inStock = (rows: Array<RecordEntry<Product>>) => rows.filter((r) => r.value.stock > 0).sort((a, b) => a.value.name.localeCompare(b.value.name));

function InStock() {
  const { data } = useCollection<Product>('products', inStock);
  return h('span', { 'data-testid': 'in-stock' }, data === undefined ? 'loading' : data.map((r) => r.value.name).join(','));
}

describe('useRecord', () => {
  it('shows a record and follows a local write and a pulled remote write', async () => {
    const client = await server.client();
    const other = await server.client();
    await client.collection<Product>('products').put('p1', { name: 'Espresso', stock: 3 });
    const view = mount(client, h(ProductName, { id: 'p1' }));
    await vi.waitFor(() => expect(texts(view.container, 'name')).toEqual(['Espresso']));

    await client.collection<Product>('products').put('p1', { name: 'Ristretto', stock: 3 }); // local
    await vi.waitFor(() => expect(texts(view.container, 'name')).toEqual(['Ristretto']));
    await client.sync().result;

    await other.sync().result;
    await other.collection<Product>('products').patch('p1', { name: 'Lungo' }); // remote
    await other.sync().result;
    expect(texts(view.container, 'name')).toEqual(['Ristretto']);
    await client.sync().result; // the pull brings it
    await vi.waitFor(() => expect(texts(view.container, 'name')).toEqual(['Lungo']));
    expect(view.errors).toEqual([]);
    view.unmount();
  });

  it('never shows the previous key\'s record after the key prop changes', async () => {
    const client = await server.client();
    await client.collection<Product>('products').put('a', { name: 'Apple', stock: 1 });
    await client.collection<Product>('products').put('b', { name: 'Banana', stock: 1 });
    const log: string[] = [];
    const view = mount(client, h(ProductName, { id: 'a', log }));
    await vi.waitFor(() => expect(log.at(-1)).toBe('Apple'));
    const before = log.length;
    view.render(h(ProductName, { id: 'b', log }));
    await vi.waitFor(() => expect(log.at(-1)).toBe('Banana'));
    expect(log.slice(before).filter((t) => t !== 'loading')).toEqual(['Banana']);
    view.unmount();
  });

  it('throws MissingProviderError outside <SynclineProvider>', async () => {
    const { createRoot } = await import('react-dom/client');
    const errors: unknown[] = [];
    const root = createRoot(document.createElement('div'), { onUncaughtError: (e) => errors.push(e) });
    root.render(h(ProductName, { id: 'p1' }));
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toBeInstanceOf(MissingProviderError);
    root.unmount();
  });
});

describe('useCollection', () => {
  it('applies the in-JS filter and sort, and re-reads on local and remote changes', async () => {
    const client = await server.client();
    const products = client.collection<Product>('products');
    await products.put('c1', { name: 'Cortado', stock: 2 });
    await products.put('c2', { name: 'Americano', stock: 0 });
    const view = mount(client, h(InStock));
    await vi.waitFor(() => expect(texts(view.container, 'in-stock')[0]).toContain('Cortado'));
    expect(texts(view.container, 'in-stock')[0]).not.toContain('Americano');
    await products.patch('c2', { stock: 5 });
    await vi.waitFor(() => expect(texts(view.container, 'in-stock')[0]).toMatch(/Americano.*Cortado/));
    view.unmount();
  });
});

describe('useOutbox', () => {
  it('counts pending writes and counts down to zero after a sync', async () => {
    const client = await server.client();
    const view = mount(client, h(Outbox));
    await vi.waitFor(() => expect(texts(view.container, 'outbox')).toEqual(['0 pending']));
    const products = client.collection<Product>('products');
    for (const id of ['o1', 'o2', 'o3']) await products.put(id, { name: id, stock: 1 });
    await vi.waitFor(() => expect(texts(view.container, 'outbox')).toEqual(['3 pending (aged)']));
    await client.sync().result;
    await vi.waitFor(() => expect(texts(view.container, 'outbox')).toEqual(['0 pending']));
    view.unmount();
  });
});

describe('useSyncStatus', () => {
  it('walks through the phases of a cycle and ends idle with the time of the last sync', async () => {
    const client = await server.client();
    const seen: string[] = [];
    function Status() {
      const s = useSyncStatus();
      useLayoutEffect(() => void seen.push(s.phase));
      return h('span', { 'data-testid': 'status' }, `${s.phase} ${s.online ? 'online' : 'offline'} ${s.lastSyncAt === undefined ? 'never' : 'synced'}`);
    }
    const view = mount(client, h('div', null, h(Status), h(Status))); // two components: both must follow
    await vi.waitFor(() => expect(texts(view.container, 'status')).toEqual(['idle online never', 'idle online never']));
    await client.collection<Product>('products').put('s1', { name: 'Mocha', stock: 1 });
    await client.sync().result;
    await vi.waitFor(() => expect(texts(view.container, 'status')).toEqual(['idle online synced', 'idle online synced']));
    expect(seen.filter((p) => p !== 'idle').length).toBeGreaterThan(0); // a phase of the cycle was shown
    view.unmount();
  });
});

describe('unmount', () => {
  it('removes every listener the hooks added to the client', async () => {
    const client = await server.client();
    const listeners = countListeners(client);
    function All() {
      useSyncStatus();
      return h('div', null, h(ProductName, { id: 'p1' }), h(ProductName, { id: 'p1' }), h(ProductName, { id: 'p2' }), h(Outbox), h(InStock));
    }
    const view = mount(client, h(All));
    await vi.waitFor(() => expect(texts(view.container, 'outbox')).toEqual(['0 pending']));
    expect(listeners()).toBe(5); // status, p1 (shared by two components), p2, outbox, collection
    view.unmount();
    expect(listeners()).toBe(0);
  });

  it('under StrictMode (mount, unmount, mount again) the view still follows writes, and unmount still leaves none', async () => {
    const client = await server.client();
    const listeners = countListeners(client);
    await client.collection<Product>('products').put('sm', { name: 'Cappuccino', stock: 1 });
    const view = mount(client, h(StrictMode, null, h(ProductName, { id: 'sm' })));
    await vi.waitFor(() => expect(texts(view.container, 'name')).toEqual(['Cappuccino']));
    await client.collection<Product>('products').patch('sm', { name: 'Macchiato' });
    await vi.waitFor(() => expect(texts(view.container, 'name')).toEqual(['Macchiato']));
    expect(listeners()).toBe(1);
    const later = mount(client, h(ProductName, { id: 'sm' })); // mounted later: joins the same read
    await vi.waitFor(() => expect(texts(later.container, 'name')).toEqual(['Macchiato']));
    expect(listeners()).toBe(1);
    later.unmount();
    view.unmount();
    expect(listeners()).toBe(0);
  });
});

// Compile-time: record types flow from a typed collection or an explicit type argument.
function _typesFlow(products: Collection<Product>, _client: SynclineClient) {
  expectTypeOf(useRecord(products, 'k')).toEqualTypeOf<Loadable<Product | undefined>>();
  expectTypeOf(useRecord<Product>('products', 'k')).toEqualTypeOf<Loadable<Product | undefined>>();
  expectTypeOf(useCollection(products)).toEqualTypeOf<Loadable<Array<RecordEntry<Product>>>>();
  expectTypeOf(useCollection(products, (rows) => rows.length)).toEqualTypeOf<Loadable<number>>();
  expectTypeOf(useCollection<Product>('products', inStock)).toEqualTypeOf<Loadable<Array<RecordEntry<Product>>>>();
}
