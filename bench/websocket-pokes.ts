/**
 * `npx tsx bench/websocket-pokes.ts`: poke latency over WebSocket vs SSE (200 writes A → B on
 * loopback, p50/p95 from A's put() to B holding the record, A's push included), and the memory of 1,000 idle
 * authenticated sockets on one server. One process holds server and clients, so the socket figure is
 * an upper bound (both ends' objects). Reports only; nothing asserts on speed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { createClient, createSsePokes, createWebSocketPokes, type RealtimeChannel, type WebSocketConstructor } from '../src/index.js';
import { createSyncServer, serveNode, tokenAuth } from '../src/server.js';
import { createMemoryStore } from '../src/stores/memory-store.js';
import { createHttpTransport } from '../src/transport/http-transport.js';
import { socketUrl } from '../src/transport/websocket-pokes.js';

const WRITES = Number(process.env.WRITES ?? 200);
const SOCKETS = Number(process.env.SOCKETS ?? 1000);

const pct = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

async function latency(url: string, realtime: RealtimeChannel): Promise<{ p50: number; p95: number }> {
  const transport = () => createHttpTransport({ url, token: 't' });
  const a = await createClient({ store: createMemoryStore(), transport: transport(), autoSync: false });
  const b = await createClient({ store: createMemoryStore(), transport: transport(), realtime, pullIntervalMs: 0 });
  const waiting = new Map<string, () => void>();
  b.on('records.changed', (e) => {
    for (const change of e.changes) for (const key of change.keys) waiting.get(key)?.();
  });
  const times: number[] = [];
  try {
    for (let i = -3; i < WRITES; i += 1) {
      const key = `k${i}`;
      const seen = new Promise<void>((resolve) => waiting.set(key, resolve));
      const start = performance.now();
      await a.collection('products').put(key, { n: i });
      await a.sync();
      await seen;
      if (i >= 0) times.push(performance.now() - start);
    }
    return { p50: pct(times, 50), p95: pct(times, 95) };
  } finally {
    await a.close();
    await b.close();
    realtime.close();
  }
}

async function idleSockets(url: string): Promise<number> {
  globalThis.gc?.();
  const before = process.memoryUsage();
  const sockets: WebSocket[] = [];
  for (let i = 0; i < SOCKETS; i += 1) {
    const socket = new WebSocket(socketUrl(url));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => socket.send(JSON.stringify({ v: 1, type: 'auth', token: 't' })));
      socket.once('message', () => resolve());
      socket.once('error', reject);
    });
    sockets.push(socket);
  }
  globalThis.gc?.();
  const after = process.memoryUsage();
  for (const socket of sockets) socket.terminate();
  return (after.heapUsed + after.external - before.heapUsed - before.external);
}

const dir = mkdtempSync(join(tmpdir(), 'syncline-bench-ws-'));
const server = createSyncServer({ database: { sqlite: join(dir, 's.db') }, durability: 'relaxed', auth: tokenAuth({ t: 'shop' }), collections: { products: { writable: true } } });
const http = await serveNode(server);
try {
  const sse = await latency(http.url, createSsePokes({ url: http.url, token: 't' }));
  const ws = await latency(http.url, createWebSocketPokes({ url: http.url, token: 't', WebSocket: WebSocket as unknown as WebSocketConstructor }));
  const bytes = await idleSockets(http.url);
  process.stdout.write(`poke latency, ${WRITES} writes A → B (ms from A's put() to B holding it; includes A's push): SSE p50 ${sse.p50.toFixed(1)} p95 ${sse.p95.toFixed(1)}; WebSocket p50 ${ws.p50.toFixed(1)} p95 ${ws.p95.toFixed(1)}\n`);
  process.stdout.write(`${SOCKETS} idle authenticated sockets: heap+external ${(bytes / 1024 / 1024).toFixed(1)} MiB (${Math.round(bytes / SOCKETS)} bytes each, both ends in one process)\n`);
} finally {
  await server.close();
  await http.close();
  rmSync(dir, { recursive: true, force: true });
}
