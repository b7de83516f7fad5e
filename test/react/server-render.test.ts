// @vitest-environment happy-dom
// Server rendering: the hooks render their documented loading state (getServerSnapshot), and a
// client hydrating that markup — already holding data and online — matches it, then shows the data.
import { createElement as h } from 'react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SynclineProvider, useOutbox, useRecord, useSyncStatus } from '../../src/react.js';
import { startLoopbackServer, texts, type LoopbackServer } from './react-harness.js';

let server: LoopbackServer;
beforeAll(async () => {
  server = await startLoopbackServer();
});
afterAll(() => server.close());

function Page() {
  const record = useRecord<{ name: string }>('products', 'h1');
  const outbox = useOutbox();
  const status = useSyncStatus();
  return h(
    'p',
    null,
    h('span', { 'data-testid': 'record' }, record.status === 'ready' ? (record.data?.name ?? 'missing') : record.status),
    h('span', { 'data-testid': 'outbox' }, outbox.status === 'ready' ? String(outbox.data.pending) : outbox.status),
    h('span', { 'data-testid': 'phase' }, status.phase),
  );
}

describe('server rendering', () => {
  it('renders loading on the server, and hydrates without a mismatch', async () => {
    const client = await server.client();
    await client.collection('products').put('h1', { name: 'Flat white' });
    const html = renderToString(h(SynclineProvider, { client }, h(Page)));
    const container = document.createElement('div');
    container.innerHTML = html;
    expect(texts(container, 'record')).toEqual(['loading']);
    expect(texts(container, 'outbox')).toEqual(['loading']);
    expect(texts(container, 'phase')).toEqual(['loading']);

    document.body.append(container);
    const errors: unknown[] = [];
    const root = hydrateRoot(container, h(SynclineProvider, { client }, h(Page)), { onRecoverableError: (e) => errors.push(e), onUncaughtError: (e) => errors.push(e) });
    await vi.waitFor(() => expect(texts(container, 'record')).toEqual(['Flat white']));
    expect(texts(container, 'outbox')).toEqual(['1']);
    expect(texts(container, 'phase')).toEqual(['idle']);
    expect(errors).toEqual([]);
    root.unmount();
    container.remove();
  });
});
