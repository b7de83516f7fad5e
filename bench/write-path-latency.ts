/**
 * Write path, latency half:
 * - receipts queued while the server is down, then the server comes up: the time from the first
 *   request that succeeded to the last mutation applied (the client's reconnect backoff is excluded);
 * - a write on client A seen by client B through pokes (SSE or WebSocket), one write at a time.
 */
import type { SyncTrigger } from '../src/core/events.js';
import { WebSocket } from 'ws';
import { createSsePokes, createWebSocketPokes, type Transport, type WebSocketConstructor } from '../src/index.js';
import { startChild } from './children.js';
import { freePort } from '../test/helpers/postgres-cluster.js';
import {
  benchClient, closeClient, effectivePushBatchSize, freshScope, median, noteKey, noteValue, percentile, serverDbFile, startWritePathServer, storeFile,
  type BenchServer, type WritePathOptions,
} from './write-path-setup.js';

export interface OfflineDrainResult {
  receipts: number;
  pushBatchSize: number;
  /** From the start of the first request that succeeded to the last `mutation.applied`. */
  firstSuccessToAllAppliedMs: number;
  /** From the server printing its URL (listening) to the last `mutation.applied`. */
  serverUpToAllAppliedMs: number;
  requestsAfterFirstSuccess: number;
}

export interface PokeLatencyResult {
  writes: number;
  store: WritePathOptions['pokeStore'];
  transport: WritePathOptions['pokeTransport'];
  writer: WritePathOptions['pokeWriter'];
  /** From A's `put` resolving (committed locally) to B's `records.changed` carrying the key. */
  fromPutResolved: Distribution;
  /** From just before A's `put` was called. */
  fromWriteStart: Distribution;
  /** What started B's sync cycles during the measurement (poke = the server's poke). */
  readerTriggers: Record<string, number>;
}

export interface Distribution {
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

export async function runOfflineDrain(dir: string, options: WritePathOptions, log: (line: string) => void): Promise<OfflineDrainResult> {
  const port = await freePort();
  const scope = freshScope('write-path-offline');
  const requests: Array<{ start: number; ok: boolean }> = [];
  const recording = (inner: Transport): Transport => ({
    push: (request, o) => timed(requests, () => inner.push(request, o)),
    pull: (request, o) => timed(requests, () => inner.pull(request, o)),
    health: (o) => timed(requests, () => inner.health(o)),
    stats: () => inner.stats(),
    close: async () => inner.close?.(),
  });
  const till = await benchClient({
    url: `http://127.0.0.1:${port}`,
    scope,
    store: storeFile(dir, 'wp-offline-till'),
    wrap: recording,
    // Background sync as a till runs it; a short backoff only shortens the wait before the first
    // success, which the measurement starts after anyway.
    extra: { autoSync: true, pullIntervalMs: 0, retry: { baseDelayMs: 20, maxDelayMs: 100 } },
  }, options);
  let server: BenchServer | undefined;
  try {
    let applied = 0;
    let lastAppliedAt = Number.NaN;
    let allApplied!: () => void;
    const done = new Promise<void>((resolve) => (allApplied = resolve));
    till.client.on('mutation.applied', () => {
      applied += 1;
      lastAppliedAt = performance.now();
      if (applied === options.offlineReceipts) allApplied();
    });
    log(`  write path: queueing ${options.offlineReceipts} receipts while the server is down`);
    for (let i = 0; i < options.offlineReceipts; i += 1) {
      const args = { id: `offline-${i}`, items: [{ description: 'Espresso', quantity: '1', unitPrice: '2.50', vat: '22' }], issuedAt: Date.now() };
      await till.client.mutate('receipts.create', args);
    }
    log('  write path: server up');
    server = await startWritePathServer(serverDbFile(dir, 'wp-offline'), port);
    const upAt = performance.now();
    await withTimeout(done, 120_000, 'the offline queue did not drain within 120 s');
    // Requests before the server listened were refused, so the first that succeeded came after.
    const first = requests.find((r) => r.ok);
    if (first === undefined) throw new Error('write path: no request succeeded, yet every receipt was applied.');
    return {
      receipts: options.offlineReceipts,
      pushBatchSize: effectivePushBatchSize(options),
      firstSuccessToAllAppliedMs: lastAppliedAt - first.start,
      serverUpToAllAppliedMs: lastAppliedAt - upAt,
      requestsAfterFirstSuccess: requests.filter((r) => r.start >= first.start && r.start <= lastAppliedAt).length,
    };
  } finally {
    await closeClient(till);
    await server?.stop();
  }
}

async function timed<T>(log: Array<{ start: number; ok: boolean }>, send: () => Promise<T>): Promise<T> {
  const entry = { start: performance.now(), ok: false };
  log.push(entry);
  const result = await send();
  entry.ok = true;
  return result;
}

export async function runPokeLatency(server: BenchServer, dir: string, options: WritePathOptions, log: (line: string) => void): Promise<PokeLatencyResult> {
  const scope = freshScope('write-path-pokes');
  const store = (name: string) => (options.pokeStore === 'memory' ? 'memory' as const : storeFile(dir, name));
  const writer = await startWriter(server.url, scope, store('wp-poke-a'), options);
  const realtime = options.pokeTransport === 'websocket'
    ? createWebSocketPokes({ url: server.url, token: scope, WebSocket: WebSocket as unknown as WebSocketConstructor })
    : createSsePokes({ url: server.url, token: scope });
  const reader = await benchClient({ url: server.url, scope, store: store('wp-poke-b'), extra: { autoSync: true, pullIntervalMs: 0, realtime } }, options);
  const waiting = new Map<string, (at: number) => void>();
  reader.client.on('records.changed', (event) => {
    if (event.source !== 'remote') return;
    const at = epochMs();
    for (const change of event.changes) for (const key of change.keys) waiting.get(key)?.(at);
  });
  const triggers: Record<string, number> = {};
  const countTriggers = (trigger: SyncTrigger): void => void (triggers[trigger] = (triggers[trigger] ?? 0) + 1);
  const seen = (key: string): Promise<number> => new Promise((resolve) => waiting.set(key, resolve));
  try {
    // Warm-up writes (keys past the measured ones): B's first cycle and the event stream are up once
    // one of them arrives by poke.
    for (let i = 0; i < 3; i += 1) {
      const n = options.pokeWrites + i;
      const arrived = seen(noteKey(n));
      await writer.put(n, 0);
      await withTimeout(arrived, 30_000, `warm-up write ${noteKey(n)} never reached client B`);
    }
    reader.client.on('sync.started', (event) => countTriggers(event.trigger));
    log(`  write path: ${options.pokeWrites} writes A → B through ${options.pokeTransport} pokes (${options.pokeStore} stores, writer ${options.pokeWriter === 'process' ? 'in its own process' : 'in the reader\'s process'})`);
    const fromPut: number[] = [];
    const fromStart: number[] = [];
    for (let i = 0; i < options.pokeWrites; i += 1) {
      const key = noteKey(i);
      const arrived = seen(key);
      const { started, resolved } = await writer.put(i, 1);
      const at = await withTimeout(arrived, 30_000, `write ${key} never reached client B`);
      waiting.delete(key);
      fromPut.push(at - resolved);
      fromStart.push(at - started);
    }
    return {
      writes: options.pokeWrites, store: options.pokeStore, transport: options.pokeTransport, writer: options.pokeWriter,
      fromPutResolved: distribution(fromPut), fromWriteStart: distribution(fromStart), readerTriggers: triggers,
    };
  } finally {
    await writer.close();
    await closeClient(reader);
    realtime.close();
  }
}

/** Epoch ms with sub-ms resolution, comparable between processes on one machine. */
function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

interface PokeWriter {
  /** Puts noteKey(i); when the put was called and when it resolved (epochMs). */
  put(i: number, revision: number): Promise<{ started: number; resolved: number }>;
  close(): Promise<void>;
}

/**
 * Client A. In its own process by default: two devices do not share an event loop, and in one
 * process A's push response and echo pull run on the thread that must also read B's poke and pull,
 * which adds their CPU time to the latency measured (see docs/ARCHITECTURE.md, "Pokes: where a write's way from A to B goes").
 */
async function startWriter(url: string, scope: string, store: 'memory' | { sqlite: string }, options: WritePathOptions): Promise<PokeWriter> {
  if (options.pokeWriter === 'inline') {
    const writer = await benchClient({ url, scope, store, extra: { autoSync: true, pullIntervalMs: 0 } }, options);
    return {
      async put(i, revision) {
        const started = epochMs();
        await writer.client.collection('notes').put(noteKey(i), noteValue(i, revision));
        return { started, resolved: epochMs() };
      },
      close: () => closeClient(writer),
    };
  }
  const child = startChild('poke-writer.ts', ['--url', url, '--scope', scope, '--options', JSON.stringify(options), ...(store === 'memory' ? [] : ['--sqlite', store.sqlite])]);
  await child.next<{ ready: true }>();
  return {
    put(i, revision) {
      child.send(`put ${i} ${revision}`);
      return child.next<{ started: number; resolved: number }>();
    },
    async close() {
      child.send('stop');
      await child.exited;
    },
  };
}

function distribution(values: number[]): Distribution {
  return { p50: median(values), p95: percentile(values, 95), max: Math.max(...values), mean: values.reduce((s, v) => s + v, 0) / values.length };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`write path: ${message}.`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
