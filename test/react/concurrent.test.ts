// @vitest-environment happy-dom
// Concurrent rendering and snapshot stability: while a time-sliced transition render is in progress,
// writes land and the record changes; every commit must still show one version in every component
// (no tearing). Snapshots must stay the same object while nothing changed (or React loops), and a
// re-read that finds the same data must not render again.
import { createElement as h, startTransition, useLayoutEffect } from 'react';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useRecord } from '../../src/react.js';
import { mount, startLoopbackServer, texts, type LoopbackServer } from './react-harness.js';

type Counter = { n: number };

let server: LoopbackServer;
beforeAll(async () => {
  server = await startLoopbackServer();
});
afterAll(() => server.close());

/** Busy for about `ms` of wall time, so the transition render is sliced and yields between children. */
function burn(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

describe('no tearing under concurrent rendering', () => {
  it('every commit shows the same version in all components while writes land mid-render', async () => {
    const client = await server.client();
    const counters = client.collection<Counter>('products');
    await counters.put('c', { n: 0 });
    const commits: string[][] = [];
    function Cell(props: { tick: number }) {
      const { data } = useRecord<Counter>('products', 'c');
      burn(1);
      // Layout effects run after the commit's DOM changes: every cell sees the whole committed tree.
      useLayoutEffect(() => void commits.push(texts(document.body, 'n')));
      return h('span', { 'data-testid': 'n', 'data-tick': props.tick }, data === undefined ? '-' : String(data.n));
    }
    const Grid = (props: { tick: number }) => h('div', null, Array.from({ length: 40 }, (_, i) => h(Cell, { key: i, tick: props.tick })));
    const view = mount(client, h(Grid, { tick: 0 }));
    await vi.waitFor(() => expect(new Set(texts(view.container, 'n'))).toEqual(new Set(['0'])));

    for (let i = 1; i <= 12; i++) {
      startTransition(() => view.render(h(Grid, { tick: i }))); // sliced: yields about every 5 ms
      await new Promise((resolve) => setTimeout(resolve, 3)); // let the transition start rendering
      await counters.put('c', { n: i }); // …and change the record while it renders
    }
    await vi.waitFor(() => expect(new Set(texts(view.container, 'n'))).toEqual(new Set(['12'])));
    const torn = commits.filter((shown) => new Set(shown).size > 1);
    expect(torn, `commits that showed two versions at once: ${JSON.stringify(torn.slice(0, 3))}`).toEqual([]);
    expect(new Set(commits.map((c) => c[0])).size, 'the record changed during the run').toBeGreaterThan(2);
    expect(view.errors).toEqual([]);
    view.unmount();
  });
});

describe('stable snapshots', () => {
  it('renders a settled component a bounded number of times, and not at all for a write that changes nothing', async () => {
    const client = await server.client();
    const counters = client.collection<Counter>('products');
    await counters.put('s', { n: 1 });
    let renders = 0;
    function Shown() {
      renders++;
      const { data } = useRecord<Counter>('products', 's');
      return h('span', { 'data-testid': 'n' }, data === undefined ? '-' : String(data.n));
    }
    const consoleErrors = vi.spyOn(console, 'error');
    const view = mount(client, h(Shown));
    await vi.waitFor(() => expect(texts(view.container, 'n')).toEqual(['1']));
    expect(renders).toBeLessThanOrEqual(4); // loading, ready (a dev-mode double render at most each)
    const settled = renders;
    await counters.put('s', { n: 1 }); // same value: re-read, found equal, snapshot kept
    await counters.put('t', { n: 9 }); // another record: not even re-read
    await counters.put('s', { n: 2 }); // a real change: the view must follow
    await vi.waitFor(() => expect(texts(view.container, 'n')).toEqual(['2']));
    expect(renders - settled).toBe(1); // one change → one render; the equal re-read and the other record → none
    expect(view.errors).toEqual([]);
    expect(consoleErrors.mock.calls.filter((c) => String(c[0]).includes('getSnapshot'))).toEqual([]);
    consoleErrors.mockRestore();
    view.unmount();
  });
});
