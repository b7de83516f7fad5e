// Lie-fi over real HTTP on loopback: the server accepts connections but never answers. The monitor
// must report offline within one request deadline plus one probe deadline, and come back when the
// server answers again; the client's loop then finishes the sync by itself.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createClient, type SynclineClient } from '../../src/index.js';
import { createAdaptivePlanner } from '../../src/network/adaptive-planner.js';
import { NetworkMonitor } from '../../src/network/network-monitor.js';
import { createSyncServer, type SyncServer } from '../../src/server.js';
import { tokenAuth } from '../../src/server.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { tempDir } from '../helpers/harness.js';

let dir: ReturnType<typeof tempDir>;
let sync: SyncServer;
let http: Server;
let url: string;
let hang = false;
const trail: string[] = [];
const hanging = new Set<ServerResponse>();

beforeEach(async () => {
  dir = tempDir();
  trail.length = 0;
  sync = createSyncServer({ database: { sqlite: join(dir.path, 'server.db') }, auth: tokenAuth({ t1: 'shop' }) });
  const listener = getRequestListener((request) => sync.fetch(request));
  http = createServer((req, res) => {
    if (hang) {
      hanging.add(res); // accept, read nothing back: lie-fi
      return;
    }
    void listener(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const res of hanging) res.destroy();
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
  await sync.close();
  dir.remove();
});

// Deadlines generous enough that a loaded CI machine (Chromium and PostgreSQL tests running beside this
// one) does not miss them on a healthy loopback request.
const REQUEST_TIMEOUT_MS = 1000;
const PROBE_TIMEOUT_MS = 600;

it('a link that accepts but never answers is offline within the timeout bound and recovers when it answers', async () => {
  const raw = createHttpTransport({ url, token: 't1' });
  const monitor = new NetworkMonitor({ probe: raw, probeTimeoutMs: PROBE_TIMEOUT_MS, downProbeMs: { initial: 100, max: 400 } });
  const planner = createAdaptivePlanner(monitor, { requestTimeoutMs: REQUEST_TIMEOUT_MS });
  let client: SynclineClient | undefined;
  try {
    client = await createClient({ store: createMemoryStore(), transport: monitor.measure(raw), network: monitor, planner, retry: { baseDelayMs: 50, maxDelayMs: 200 }, pullIntervalMs: 0 });
    const onlineChanges: Array<{ online: boolean; at: number }> = [];
    client.on('online.changed', (e) => onlineChanges.push({ online: e.online, at: Date.now() }));
    // If this ever times out, the trail says which state the loop was stuck in.
    const t0 = Date.now();
    client.on('online.changed', (e) => trail.push(`${Date.now() - t0}ms online=${e.online}`));
    client.on('sync.started', (e) => trail.push(`${Date.now() - t0}ms started ${e.trigger}`));
    client.on('sync.completed', (e) => trail.push(`${Date.now() - t0}ms completed pushed=${e.result.pushed.applied}`));
    client.on('sync.failed', (e) => trail.push(`${Date.now() - t0}ms failed ${e.error.code} retry=${String(e.retryInMs)}`));
    await client.sync();
    expect(monitor.isOnline()).toBe(true);

    hang = true;
    const hungAt = Date.now();
    await client.collection('notes').put('n1', { text: 'written on lie-fi' });
    await waitFor(() => !monitor.isOnline(), 10_000);
    const wentOffline = onlineChanges.find((c) => !c.online);
    expect(wentOffline).toBeDefined();
    // One request deadline, one probe deadline, plus scheduling slack.
    expect(wentOffline!.at - hungAt).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS + PROBE_TIMEOUT_MS + 1000);
    expect(monitor.quality()).toBe('offline');
    expect(monitor.isSyncRecommended('light')).toBe(false);

    hang = false;
    await waitFor(() => monitor.isOnline(), 10_000);
    await waitFor(async () => (await client!.pendingCount()) === 0, 15_000);
    expect(onlineChanges.map((c) => c.online)).toEqual([false, true]);
  } finally {
    await client?.close();
    monitor.close();
    await raw.close?.();
  }
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`condition not met in time; client trail:\n${trail.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
