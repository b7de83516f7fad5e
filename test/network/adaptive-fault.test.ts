// Seeded fault transport over a real server (SQLite file, in-process fetch), on a virtual clock:
// slower links must move the quality class down and the planned batch sizes down, and back up.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createAdaptivePlanner } from '../../src/network/adaptive-planner.js';
import { NetworkMonitor } from '../../src/network/network-monitor.js';
import { QUALITY_RANK } from '../../src/network/quality.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { createFaultTransport, type FaultTransport } from '../../src/testing/fault-transport.js';
import type { SynclineClient } from '../../src/index.js';
import { memoryClient, startServer, tempDir, type TestServer } from '../helpers/harness.js';
import { VirtualClock } from './virtual-clock.js';

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let clock: VirtualClock;
let fault: FaultTransport;
let monitor: NetworkMonitor;
let client: SynclineClient;
/** Writes what `client` pulls: its own writes come back as echo markers, which carry no bandwidth signal. */
let peer: SynclineClient;

beforeEach(async () => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db') });
  clock = new VirtualClock();
  // The fault transport's bandwidth model counts uncompressed JSON, so measure without gzip.
  const http = createHttpTransport({ url: 'http://syncline.test', token: 't1', fetch: (r) => server.server.fetch(r), compression: { requests: false, responses: false } });
  fault = createFaultTransport(http, { seed: 42, timers: clock });
  monitor = new NetworkMonitor({ timers: clock, probe: fault });
  client = await memoryClient(monitor.measure(fault), { planner: createAdaptivePlanner(monitor), timers: clock });
  peer = await memoryClient(server.transport());
});

afterEach(async () => {
  await client.close();
  await peer.close();
  monitor.close();
  await server.close();
  dir.remove();
});

let written = 0;
/** Write records, sync them up and back, and probe a few times: what a working app's link sees. */
async function traffic(rounds: number): Promise<void> {
  for (let r = 0; r < rounds; r += 1) {
    for (let i = 0; i < 60; i += 1) {
      written += 1;
      await client.collection('products').put(`p-${written}`, { name: `product ${written}`, price: '1.00', note: 'x'.repeat(80) });
      await peer.collection('products').put(`q-${written}`, { name: `product ${written}`, price: '1.00', note: 'x'.repeat(80) });
    }
    await peer.sync();
    await clock.run(client.sync());
    await clock.run(monitor.probe());
  }
}

function plan() {
  return createAdaptivePlanner(monitor).plan();
}

describe('adaptive sizing through a seeded fault transport', () => {
  it('latency and bandwidth changes move quality and batch sizes in the expected direction', async () => {
    fault.setFaults({ latencyMs: { min: 10, max: 20 }, bandwidthBytesPerSecond: 4_000_000 });
    await traffic(6);
    const fast = { quality: monitor.quality(), plan: plan() };

    fault.setFaults({ latencyMs: { min: 350, max: 450 }, bandwidthBytesPerSecond: 100_000 });
    await traffic(6);
    const slow = { quality: monitor.quality(), plan: plan() };

    fault.setFaults({ latencyMs: { min: 900, max: 1100 }, bandwidthBytesPerSecond: 20_000 });
    await traffic(6);
    const slower = { quality: monitor.quality(), plan: plan() };

    expect(fast.quality).toBe('excellent');
    expect(QUALITY_RANK[slow.quality]).toBeLessThan(QUALITY_RANK[fast.quality]);
    expect(slower.quality).toBe('poor');
    expect(slow.plan.pushBatchSize).toBeLessThan(fast.plan.pushBatchSize);
    expect(slower.plan.pushBatchSize).toBeLessThan(slow.plan.pushBatchSize);
    expect(slower.plan.pullPageSize).toBeLessThan(fast.plan.pullPageSize);
    // Deadlines follow the measured RTT, not a constant.
    expect(slower.plan.requestTimeoutMs).toBeGreaterThan(fast.plan.requestTimeoutMs);
    expect(fast.plan.compress).toBe(false);
    expect(slower.plan.compress).toBe(true);

    fault.setFaults({ latencyMs: { min: 10, max: 20 }, bandwidthBytesPerSecond: 4_000_000 });
    await traffic(12);
    expect(monitor.quality()).toBe('excellent');
    expect(plan().pushBatchSize).toBeGreaterThan(slower.plan.pushBatchSize);
  });

  it('the client uses the planned sizes: a slow link makes more, smaller push requests', async () => {
    fault.setFaults({ latencyMs: { min: 900, max: 1100 }, bandwidthBytesPerSecond: 20_000 });
    await traffic(4);
    for (let i = 0; i < 300; i += 1) await client.collection('products').put(`bulk-${i}`, { name: 'bulk', price: '1.00', note: 'y'.repeat(80) });
    const result = await clock.run(client.sync());
    expect(result.pushed.sent).toBe(300);
    const planned = plan().pushBatchSize;
    expect(planned).toBeLessThan(100);
    expect(result.pushed.requests).toBeGreaterThanOrEqual(Math.floor(300 / planned));
  });
});
