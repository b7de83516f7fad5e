// @vitest-environment happy-dom
// useQuery in a real React renderer against a real server on loopback: one page of a query, kept
// current through a local write and a pulled remote write, no re-render for a change outside the
// answer, and nothing rendered after unmount.
import { createElement as h, useLayoutEffect } from 'react';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useQuery } from '../../src/react.js';
import { mount, startLoopbackServer, texts, type LoopbackServer } from './react-harness.js';

type Product = { name: string; stock: number };

let server: LoopbackServer;
beforeAll(async () => {
  server = await startLoopbackServer();
});
afterAll(() => server.close());

function TopInStock(props: { log: string[] }) {
  const { data } = useQuery<Product>('products', { where: { stock: { gt: 0 } }, orderBy: 'stock', limit: 2 });
  const text = data === undefined ? 'loading' : `${data.records.map((r) => r.value.name).join(',')}${data.next === undefined ? '' : '…'}`;
  useLayoutEffect(() => void props.log.push(text));
  return h('span', { 'data-testid': 'top' }, text);
}

describe('useQuery', () => {
  it('shows a page and follows local and pulled changes that affect it, and only those', async () => {
    const client = await server.client();
    const other = await server.client();
    const products = client.collection<Product>('products');
    await products.put('a', { name: 'Affogato', stock: 5 });
    await products.put('b', { name: 'Bicerin', stock: 0 });
    await products.put('c', { name: 'Cortado', stock: 2 });
    const log: string[] = [];
    const view = mount(client, h(TopInStock, { log }));
    await vi.waitFor(() => expect(texts(view.container, 'top')).toEqual(['Cortado,Affogato']));

    await products.patch('b', { stock: 1 }); // local, enters the page
    await vi.waitFor(() => expect(texts(view.container, 'top')).toEqual(['Bicerin,Cortado…']));
    await client.sync().result;

    await other.sync().result;
    await other.collection<Product>('products').patch('c', { stock: 9 }); // remote, leaves the page
    await other.sync().result;
    await client.sync().result;
    await vi.waitFor(() => expect(texts(view.container, 'top')).toEqual(['Bicerin,Affogato…']));

    const renders = log.length;
    await products.put('z', { name: 'Zabaione', stock: 0 }); // outside the answer
    await client.sync().result;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log.length).toBe(renders);

    view.unmount();
    await products.patch('a', { stock: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log.length).toBe(renders);
  });
});
