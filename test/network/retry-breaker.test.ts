// Backoff, Retry-After and the circuit breaker, on a virtual clock against a real server.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CircuitOpenError, ServerError, TransportError } from '../../src/core/errors.js';
import { defaultRetryPolicy, retryDelay } from '../../src/core/retry-policy.js';
import { createClient, type SyncEvent } from '../../src/index.js';
import { createCircuitBreaker } from '../../src/network/circuit-breaker.js';
import type { RequestSample } from '../../src/network/link-metrics.js';
import { createMeasuringTransport, failureKind } from '../../src/network/measuring-transport.js';
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
    expect(fast).toBeInstanceOf(CircuitOpenError);
    expect(fast).not.toBeInstanceOf(ServerError); // the server never answered
    expect(fast).toMatchObject({ name: 'CircuitOpenError', code: 'circuit-open', retryable: true, retryAfterMs: 5000 });
    expect(fault.faults().serverErrors).toBe(served); // nothing was sent

    await clock.advance(2000);
    await expect(breaker.pull(pullFromStart)).rejects.toMatchObject({ retryAfterMs: 3000 });

    // Open period over, server still failing: the half-open probe fails and the period doubles.
    await clock.advance(3000);
    await expect(breaker.pull(pullFromStart)).rejects.toMatchObject({ code: 'circuit-open', retryAfterMs: 10_000, cause: { status: 503 } });
    expect(fault.faults().serverErrors).toBe(served + 1); // only the probe went out
    expect(breaker.state()).toBe('open');

    fault.setFaults({ serverError: 0 });
    await clock.advance(10_000);
    const response = await breaker.pull(pullFromStart);
    expect(response.hasMore).toBe(false);
    expect(breaker.state()).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('a fast failure is not measured as a link or server failure; a failed half-open probe is', async () => {
    const fault = createFaultTransport(server.transport(), { seed: 2, timers: clock, serverError: 1 });
    const samples: RequestSample[] = [];
    const breaker = createCircuitBreaker(fault, { failureThreshold: 1, openMs: 5000, timers: clock });
    const measured = createMeasuringTransport(breaker, { record: (sample) => samples.push(sample) }, clock);

    await expect(measured.pull(pullFromStart)).rejects.toMatchObject({ status: 503 });
    expect(samples.map((s) => s.failure)).toEqual(['server']);
    await expect(measured.pull(pullFromStart)).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(measured.health()).rejects.toBeInstanceOf(CircuitOpenError);
    expect(samples).toHaveLength(1); // nothing was sent, so nothing to learn about the link

    await clock.advance(5000);
    await expect(measured.pull(pullFromStart)).rejects.toMatchObject({ code: 'circuit-open', cause: { status: 503 } });
    expect(samples.map((s) => s.failure)).toEqual(['server', 'server']); // the probe did go out
  });

  it('failureKind: an open circuit is ignored unless its probe failed, then the probe failure counts', () => {
    const open = new CircuitOpenError('test: open', { retryAfterMs: 100 });
    expect(failureKind(open)).toBe('ignore');
    const probeFailed = new CircuitOpenError('test: probe failed', { retryAfterMs: 100, cause: new TransportError('test: refused') });
    expect(failureKind(probeFailed)).toBe('network');
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

  it('retryDelay waits out an open circuit the way it waits out Retry-After', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000, factor: 2 };
    const open = new CircuitOpenError('test: open', { retryAfterMs: 4321 });
    expect(retryDelay(policy, 0, open, () => 0.5)).toBe(4321);
    expect(retryDelay(policy, 0, new CircuitOpenError('test: almost closed', { retryAfterMs: 10 }), () => 0.5)).toBe(50); // jitter wins when longer
    expect(retryDelay(defaultRetryPolicy, 0, new ServerError(503, 'busy', 'test', { retryAfterMs: 7000 }), () => 0)).toBe(7000);
  });

  it('the loop sleeps until the breaker half-opens, sending nothing meanwhile', async () => {
    const fault = createFaultTransport(server.transport(), { seed: 4, timers: clock, serverError: 1 });
    const breaker = createCircuitBreaker(fault, { failureThreshold: 1, openMs: 5000, timers: clock });
    const { client, events } = await failingClient(breaker);
    await clock.advance(100);
    const failures = events.filter((e) => e.event.type === 'sync.failed').map((e) => e.event);
    // First a real 503 (jittered backoff 0.5 × 100), then the open circuit: the rest of its 5000 ms.
    expect(failures).toMatchObject([{ retryInMs: 50, error: { status: 503 } }, { retryInMs: 4950, error: { code: 'circuit-open' } }]);
    const sent = fault.faults().serverErrors;

    fault.setFaults({ serverError: 0 });
    await clock.advance(4949);
    expect(events.filter((e) => e.event.type === 'sync.failed')).toHaveLength(2);
    expect(fault.faults().serverErrors).toBe(sent);
    await clock.advance(1);
    await clock.advance(10);
    expect(events.some((e) => e.event.type === 'sync.completed')).toBe(true);
    expect(breaker.state()).toBe('closed');
    await client.close();
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
