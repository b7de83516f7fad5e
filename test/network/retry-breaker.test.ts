// Backoff, Retry-After and the circuit breaker, on a virtual clock against a real server.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServerError } from '../../src/core/errors.js';
import { createClient, type SyncEvent } from '../../src/index.js';
import { createCircuitBreaker } from '../../src/network/circuit-breaker.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createFaultTransport } from '../../src/testing/fault-transport.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { startServer, tempDir, type TestServer } from '../helpers/harness.js';
import { VirtualClock } from './virtual-clock.js';

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let clock: VirtualClock;

beforeEach(() => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db') });
  clock = new VirtualClock();
});

afterEach(async () => {
  await server.close();
  dir.remove();
});

const pullFromStart = { v: 1 as const, clientId: 'client-breaker-1', cursor: 0, limit: 10 };

describe('circuit breaker', () => {
  it('opens after N consecutive failures, fails fast with retryAfterMs, half-opens with a probe and recovers', async () => {
    const fault = createFaultTransport(server.transport(), { seed: 1, timers: clock, serverError: 1 });
    const states: string[] = [];
    const breaker = createCircuitBreaker(fault, { failureThreshold: 3, openMs: 5000, timers: clock, onStateChange: (s) => states.push(s) });

    for (let i = 0; i < 3; i += 1) await expect(breaker.pull(pullFromStart)).rejects.toMatchObject({ status: 503, serverCode: 'unavailable' });
    expect(breaker.state()).toBe('open');
    const served = fault.faults().serverErrors;

    const fast = await breaker.pull(pullFromStart).catch((e: unknown) => e);
    expect(fast).toBeInstanceOf(ServerError);
    expect(fast).toMatchObject({ retryable: true, retryAfterMs: 5000, serverCode: 'circuit-open' });
    expect(fault.faults().serverErrors).toBe(served); // nothing was sent

    await clock.advance(2000);
    await expect(breaker.pull(pullFromStart)).rejects.toMatchObject({ retryAfterMs: 3000 });

    // Open period over, server still failing: the half-open probe fails and the period doubles.
    await clock.advance(3000);
    await expect(breaker.pull(pullFromStart)).rejects.toMatchObject({ serverCode: 'circuit-open', retryAfterMs: 10_000 });
    expect(fault.faults().serverErrors).toBe(served + 1); // only the probe went out
    expect(breaker.state()).toBe('open');

    fault.setFaults({ serverError: 0 });
    await clock.advance(10_000);
    const response = await breaker.pull(pullFromStart);
    expect(response.hasMore).toBe(false);
    expect(breaker.state()).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('4xx answers do not open it', async () => {
    const breaker = createCircuitBreaker(server.transport('wrong-token'), { failureThreshold: 2, timers: clock });
    for (let i = 0; i < 5; i += 1) await expect(breaker.pull(pullFromStart)).rejects.toMatchObject({ status: 401 });
    expect(breaker.state()).toBe('closed');
  });
});

describe('sync loop backoff (retry policy as data)', () => {
  async function failingClient(transport: Parameters<typeof createClient>[0]['transport']) {
    const events: Array<{ at: number; event: SyncEvent }> = [];
    const client = await createClient({
      store: createMemoryStore(),
      transport,
      timers: clock,
      random: () => 0.5,
      retry: { baseDelayMs: 100, maxDelayMs: 1000, factor: 2 },
      pullIntervalMs: 0,
    });
    client.subscribe((event) => events.push({ at: clock.now(), event }));
    return { client, events };
  }

  it('retries with capped exponential backoff and full jitter at exactly the planned times', async () => {
    const fault = createFaultTransport(server.transport(), { seed: 3, timers: clock, dropRequest: 1 });
    const { client, events } = await failingClient(fault);
    await clock.advance(5000);
    await client.close();

    const failures = events.filter((e) => e.event.type === 'sync.failed');
    const delays = failures.map((e) => (e.event.type === 'sync.failed' ? e.event.retryInMs : -1));
    // random 0.5 × min(1000, 100 × 2^n)
    expect(delays.slice(0, 7)).toEqual([50, 100, 200, 400, 500, 500, 500]);
    const starts = events.filter((e) => e.event.type === 'sync.started').map((e) => e.at);
    const failedAt = failures.map((e) => e.at);
    for (let i = 0; i < 6; i += 1) expect(starts[i + 1]! - failedAt[i]!).toBe(delays[i]);
  });

  it.each([429, 503])('honours Retry-After on %i: no request before it, then a retry', async (status) => {
    let requests = 0;
    const transport = createHttpTransport({
      url: 'http://syncline.test',
      token: 't1',
      fetch: async (request) => {
        requests += 1;
        if (requests === 1) {
          return new Response(JSON.stringify({ error: { code: 'busy', message: 'slow down', retryable: true } }), { status, headers: { 'retry-after': '7', 'content-type': 'application/json' } });
        }
        return server.server.fetch(request);
      },
    });
    const { client, events } = await failingClient(transport);
    await clock.advance(6999);
    expect(requests).toBe(1);
    const failed = events.find((e) => e.event.type === 'sync.failed');
    expect(failed?.event).toMatchObject({ retryInMs: 7000 });
    await clock.advance(1);
    await clock.advance(10);
    expect(requests).toBeGreaterThan(1);
    expect(events.some((e) => e.event.type === 'sync.completed')).toBe(true);
    await client.close();
  });
});
