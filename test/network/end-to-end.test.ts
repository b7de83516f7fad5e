// The whole network layer in one client: monitor as `network`, adaptive planner as `planner`, a
// circuit breaker and measurement around a degraded seeded fault transport, gzip over real HTTP to
// a real server. The client must deliver everything and converge by itself (autoSync).
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createClient, type SynclineClient } from '../../src/index.js';
import { createAdaptivePlanner } from '../../src/network/adaptive-planner.js';
import { createCircuitBreaker } from '../../src/network/circuit-breaker.js';
import { NetworkMonitor } from '../../src/network/network-monitor.js';
import { createSyncServer, serveNode, tokenAuth, type NodeServerHandle, type SyncServer } from '../../src/server.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createFaultTransport } from '../../src/testing/fault-transport.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { serverView, tempDir } from '../helpers/harness.js';

let dir: ReturnType<typeof tempDir>;
let server: SyncServer;
let node: NodeServerHandle;

beforeEach(async () => {
  dir = tempDir();
  server = createSyncServer({ database: { sqlite: join(dir.path, 'server.db') }, auth: tokenAuth({ t1: 'shop' }), collections: { notes: { writable: true } } });
  node = await serveNode(server);
});

afterEach(async () => {
  await node.close();
  await server.close();
  dir.remove();
});

it('a client syncing through a degraded link with monitor, planner and breaker completes', async () => {
  const monitor = new NetworkMonitor({ probeTimeoutMs: 2000 });
  const planner = createAdaptivePlanner(monitor, { targetRequestMs: 300 });
  const http = createHttpTransport({ url: node.url, token: 't1', compression: { requests: () => planner.shouldCompress() } });
  const fault = createFaultTransport(http, {
    seed: 2024,
    latencyMs: { min: 5, max: 40 },
    bandwidthBytesPerSecond: 400_000,
    dropRequest: 0.1,
    serverError: 0.1,
    lostResponse: 0.1,
  });
  const breaker = createCircuitBreaker(monitor.measure(fault), { failureThreshold: 3, openMs: 100, maxOpenMs: 400 });
  let client: SynclineClient | undefined;
  try {
    client = await createClient({ store: createMemoryStore(), transport: breaker, network: monitor, planner, retry: { baseDelayMs: 20, maxDelayMs: 200 }, pullIntervalMs: 0 });
    for (let i = 0; i < 300; i += 1) await client.collection('notes').put(`n${i}`, { text: `note ${i} `.repeat(10) });
    const until = Date.now() + 40_000;
    while ((await client.pendingCount()) > 0 || !monitor.isOnline()) {
      if (Date.now() > until) throw new Error(`not drained: ${await client.pendingCount()} pending, ${JSON.stringify(monitor.snapshot())}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
      client.requestSync();
    }
    const faults = fault.faults();
    expect(faults.dropped + faults.serverErrors + faults.lostResponses).toBeGreaterThan(0);
    const remote = await serverView(createHttpTransport({ url: node.url, token: 't1' }), 'notes');
    expect(remote).toHaveLength(300);
    expect(await client.collection('notes').list()).toHaveLength(300);
  } finally {
    await client?.close();
    monitor.close();
    await fault.close();
  }
});
