// registerSynclineWorker in Node: a fake worker scope fires `sync`, the drain runs against a real
// server (SQLite file) through the HTTP transport's fetch seam, on a memory store shared with a "tab".
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, createMemoryStore, type Store } from '../../src/index.js';
import { acquireLease, readLease } from '../../src/core/lease.js';
import { registerSynclineWorker, type TaggedExtendableEvent, type WorkerScopeLike } from '../../src/sw.js';
import type { Transport } from '../../src/transport/transport.js';
import { startServer, tempDir, type TestServer } from '../helpers/harness.js';

/** A service-worker scope that the test fires events on; `fire` returns what the handler passed to waitUntil. */
function fakeScope(): WorkerScopeLike & { fire(type: 'sync' | 'periodicsync', tag: string): Promise<unknown> | undefined } {
  const listeners = new Map<string, Set<(event: never) => void>>();
  return {
    addEventListener: (type, l) => void listeners.set(type, (listeners.get(type) ?? new Set()).add(l)),
    removeEventListener: (type, l) => void listeners.get(type)?.delete(l),
    fire(type, tag) {
      let waited: Promise<unknown> | undefined;
      const event: TaggedExtendableEvent = { tag, waitUntil: (p) => void (waited = p) };
      for (const l of listeners.get(type) ?? []) l(event as never);
      return waited;
    },
  };
}

/** The transport, noting the time each push was sent. */
function recording(transport: Transport): Transport & { pushedAt: number[] } {
  const pushedAt: number[] = [];
  return { ...transport, pushedAt, push: (r, o) => (pushedAt.push(Date.now()), transport.push(r, o)), pull: (r, o) => transport.pull(r, o), health: (o) => transport.health(o), stats: () => transport.stats() };
}

describe('registerSynclineWorker', () => {
  const dir = tempDir('syncline-sw-unit-');
  let server: TestServer;
  let store: Store;
  beforeEach(() => {
    server = startServer({ sqlitePath: join(dir.path, `s-${Date.now()}-${Math.random()}.db`), collections: { notes: { writable: true } } });
    store = createMemoryStore();
  });
  afterEach(async () => {
    await server.close();
  });

  async function writeNotes(count: number): Promise<void> {
    const tab = await createClient({ store, transport: server.transport(), autoSync: false, closeStore: false });
    for (let i = 0; i < count; i++) await tab.collection('notes').put(`n-${i}`, { text: `note ${i}` });
    await tab.close();
  }

  it('drains the outbox on the matching sync tag and reports it; other tags are left alone', async () => {
    await writeNotes(3);
    const scope = fakeScope();
    registerSynclineWorker({ store, transport: server.transport(), scope });
    expect(scope.fire('sync', 'something-else')).toBeUndefined();
    const report = await scope.fire('sync', 'syncline');
    expect(report).toMatchObject({ trigger: 'sync', cycles: 1, pushed: 3, drainedByTab: false });
    const periodic = await scope.fire('periodicsync', 'syncline-periodic');
    expect(periodic).toMatchObject({ trigger: 'periodicsync', cycles: 1, pushed: 0 });
    expect(await readLease(store)).toBeUndefined(); // released after the drain: tabs are not kept off it
  });

  it('never pushes while a tab holds a live lease: it waits until the lease lapses, then drains', async () => {
    await writeNotes(2);
    const now = Date.now();
    const expiresAt = now + 400;
    expect(await acquireLease(store, 'a-tab-that-died', now, 400)).toBe(true); // it never renews it
    const transport = recording(server.transport());
    const scope = fakeScope();
    registerSynclineWorker({ store, transport, scope, pollMs: 50 });
    const report = (await scope.fire('sync', 'syncline')) as { waitedMs: number; pushed: number };
    expect(report.pushed).toBe(2);
    expect(report.waitedMs).toBeGreaterThan(0);
    expect(transport.pushedAt.length).toBeGreaterThan(0);
    expect(Math.min(...transport.pushedAt)).toBeGreaterThanOrEqual(expiresAt);
  });

  it('while a live tab leads, lets the tab drain and pushes nothing itself', async () => {
    const tab = await createClient({ store, transport: server.transport(), autoSync: false, closeStore: false, leaseMs: 60_000 });
    await tab.sync().result; // the tab leads for a minute
    await tab.collection('notes').put('n-1', { text: 'from the tab' });
    const transport = recording(server.transport());
    const scope = fakeScope();
    registerSynclineWorker({ store, transport, scope, pollMs: 20 });
    const draining = scope.fire('sync', 'syncline');
    await tab.sync().result; // the leader drains while the worker waits
    expect(await draining).toMatchObject({ drainedByTab: true, cycles: 0 });
    expect(transport.pushedAt).toEqual([]);
    await tab.close();
  });

  it('rejects the waitUntil promise when the server cannot be reached, so the browser fires the sync again', async () => {
    await writeNotes(1);
    const down: Transport = { ...server.transport(), push: () => Promise.reject(new Error('offline')), pull: () => Promise.reject(new Error('offline')) };
    const scope = fakeScope();
    const seen: boolean[] = [];
    registerSynclineWorker({ store, transport: down, scope, onDrain: (o) => void seen.push(o.ok) });
    await expect(scope.fire('sync', 'syncline')).rejects.toThrow();
    expect(seen).toEqual([false]);
  });
});
