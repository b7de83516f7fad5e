import { afterEach, describe, expect, it, vi } from 'vitest';
import { AbortedError, InvalidArgumentError, ServerError, TransportError } from '../../src/core/errors.js';
import type { PullRequest, PullResponse, PushRequest, PushResponse } from '../../src/protocol/wire.js';
import { createFaultTransport, type FaultOptions } from '../../src/testing/fault-transport.js';
import type { RequestOptions, Transport, TransportStats } from '../../src/transport/transport.js';

const clientId = 'client-0001';
const pushRequest: PushRequest = { v: 1, clientId, mutations: [{ id: 1, name: 'put', args: { n: 1 }, createdAt: 1 }] };
const pullRequest: PullRequest = { v: 1, clientId, cursor: 0, limit: 10 };

/** An in-memory transport that records every delivery and numbers its responses. */
class RecordingTransport implements Transport {
  readonly calls: Array<{ op: string; request: unknown }> = [];
  closed = false;

  async push(request: PushRequest, _options?: RequestOptions): Promise<PushResponse> {
    this.calls.push({ op: 'push', request });
    return { v: 1, lastMutationId: this.calls.length, outcomes: [] };
  }

  async pull(request: PullRequest, _options?: RequestOptions): Promise<PullResponse> {
    this.calls.push({ op: 'pull', request });
    return { v: 1, cursor: this.calls.length, hasMore: false, lastMutationId: 0, changes: [] };
  }

  async health(): Promise<{ v: 1; status: 'ok' }> {
    this.calls.push({ op: 'health', request: undefined });
    return { v: 1, status: 'ok' };
  }

  stats(): TransportStats {
    return { requests: this.calls.length, bytesSent: 11, bytesReceived: 22 };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return (error as Error).name;
  }
}

async function runMany(options: FaultOptions, count: number): Promise<{ outcomes: string[]; inner: RecordingTransport; faults: ReturnType<ReturnType<typeof createFaultTransport>['faults']> }> {
  const inner = new RecordingTransport();
  const faulty = createFaultTransport(inner, options);
  const outcomes: string[] = [];
  for (let i = 0; i < count; i++) outcomes.push(await outcome(i % 2 === 0 ? faulty.push(pushRequest) : faulty.pull(pullRequest)));
  return { outcomes, inner, faults: faulty.faults() };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('fault probabilities', () => {
  it('drops about the configured share of requests before they reach the inner transport', async () => {
    const { outcomes, inner, faults } = await runMany({ seed: 1, dropRequest: 0.3 }, 1000);

    expect(faults.dropped).toBeGreaterThan(230);
    expect(faults.dropped).toBeLessThan(370);
    expect(outcomes.filter((o) => o === 'TransportError')).toHaveLength(faults.dropped);
    expect(inner.calls).toHaveLength(1000 - faults.dropped);
  });

  it('answers about the configured share with a retryable 503', async () => {
    const inner = new RecordingTransport();
    const faulty = createFaultTransport(inner, { seed: 2, serverError: 0.2 });
    const errors: unknown[] = [];
    for (let i = 0; i < 1000; i++) await faulty.health().catch((error: unknown) => errors.push(error));

    expect(errors.length).toBeGreaterThan(140);
    expect(errors.length).toBeLessThan(260);
    expect(errors.every((e) => e instanceof ServerError && e.status === 503 && e.retryable)).toBe(true);
    expect(faulty.faults().serverErrors).toBe(errors.length);
    expect(inner.calls).toHaveLength(1000 - errors.length);
  });

  it('delivers about the configured share twice and loses about the configured share of responses', async () => {
    const { outcomes, inner, faults } = await runMany({ seed: 3, duplicateDelivery: 0.1, lostResponse: 0.05 }, 1000);

    expect(faults.duplicates).toBeGreaterThan(60);
    expect(faults.duplicates).toBeLessThan(140);
    expect(faults.lostResponses).toBeGreaterThan(25);
    expect(faults.lostResponses).toBeLessThan(80);
    expect(inner.calls).toHaveLength(1000 + faults.duplicates);
    expect(outcomes.filter((o) => o === 'TransportError')).toHaveLength(faults.lostResponses);
  });

  it('never strikes with every probability at zero', async () => {
    const { outcomes, faults } = await runMany({ seed: 4 }, 200);

    expect(outcomes.every((o) => o === 'ok')).toBe(true);
    expect(faults).toEqual({ dropped: 0, serverErrors: 0, lostResponses: 0, duplicates: 0 });
  });
});

describe('determinism', () => {
  const options = { dropRequest: 0.2, serverError: 0.1, lostResponse: 0.1, duplicateDelivery: 0.1 };

  it('repeats the same faults for the same seed and call sequence', async () => {
    const first = await runMany({ seed: 42, ...options }, 300);
    const second = await runMany({ seed: 42, ...options }, 300);

    expect(second.outcomes).toEqual(first.outcomes);
    expect(second.faults).toEqual(first.faults);
    expect(second.inner.calls).toEqual(first.inner.calls);
  });

  it('gives another sequence for another seed', async () => {
    const first = await runMany({ seed: 42, ...options }, 300);
    const other = await runMany({ seed: 43, ...options }, 300);

    expect(other.outcomes).not.toEqual(first.outcomes);
  });
});

describe('single faults', () => {
  it('lostResponse lets the inner transport commit, then throws TransportError', async () => {
    const inner = new RecordingTransport();
    const faulty = createFaultTransport(inner, { seed: 5, lostResponse: 1 });
    const error = await faulty.push(pushRequest).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).retryable).toBe(true);
    expect(inner.calls).toEqual([{ op: 'push', request: pushRequest }]);
    expect(faulty.faults().lostResponses).toBe(1);
  });

  it('duplicateDelivery calls the inner transport twice and returns the second response', async () => {
    const inner = new RecordingTransport();
    const faulty = createFaultTransport(inner, { seed: 6, duplicateDelivery: 1 });
    const response = await faulty.push(pushRequest);

    expect(inner.calls).toEqual([
      { op: 'push', request: pushRequest },
      { op: 'push', request: pushRequest },
    ]);
    expect(response.lastMutationId).toBe(2);
    expect(faulty.faults().duplicates).toBe(1);
  });

  it('setFaults changes one setting at run time and keeps the others', async () => {
    const inner = new RecordingTransport();
    const faulty = createFaultTransport(inner, { seed: 7, dropRequest: 1, duplicateDelivery: 1 });
    expect(await outcome(faulty.push(pushRequest))).toBe('TransportError');

    faulty.setFaults({ dropRequest: 0 });
    expect(await outcome(faulty.push(pushRequest))).toBe('ok');
    expect(inner.calls).toHaveLength(2);
  });

  it('refuses probabilities outside [0, 1]', () => {
    expect(() => createFaultTransport(new RecordingTransport(), { seed: 1, dropRequest: 1.5 })).toThrow(InvalidArgumentError);
  });
});

describe('offline', () => {
  it('fails every call at once while offline and recovers when back online', async () => {
    const inner = new RecordingTransport();
    const faulty = createFaultTransport(inner, { seed: 8 });
    faulty.setOffline(true);
    const errors = await Promise.all([faulty.push(pushRequest), faulty.pull(pullRequest), faulty.health()].map((p) => p.catch((e: unknown) => e)));

    expect(errors.every((e) => e instanceof TransportError && e.message.includes('offline'))).toBe(true);
    expect(inner.calls).toHaveLength(0);

    faulty.setOffline(false);
    expect(await faulty.health()).toEqual({ v: 1, status: 'ok' });
    expect(inner.calls).toHaveLength(1);
  });
});

describe('delays', () => {
  it('waits the drawn latency on the timer seam before delivering', async () => {
    vi.useFakeTimers();
    const inner = new RecordingTransport();
    const faulty = createFaultTransport(inner, { seed: 9, latencyMs: { min: 100, max: 100 } });
    let settled = false;
    const pending = faulty.push(pushRequest).then(() => (settled = true));

    await vi.advanceTimersByTimeAsync(99);
    expect(inner.calls).toHaveLength(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(inner.calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('adds JSON bytes / bandwidth in each direction', async () => {
    vi.useFakeTimers();
    const inner = new RecordingTransport();
    // 1000 bytes/s: one millisecond per byte, so the delays equal the JSON lengths (all ASCII here).
    const faulty = createFaultTransport(inner, { seed: 10, bandwidthBytesPerSecond: 1000 });
    const upMs = JSON.stringify(pushRequest).length;
    const downMs = JSON.stringify({ v: 1, lastMutationId: 1, outcomes: [] }).length;
    let settled = false;
    const pending = faulty.push(pushRequest).then(() => (settled = true));

    await vi.advanceTimersByTimeAsync(upMs - 1);
    expect(inner.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(inner.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(downMs - 1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(settled).toBe(true);
  });

  it('stops waiting with AbortedError when the signal fires, leaving no timer', async () => {
    vi.useFakeTimers();
    const inner = new RecordingTransport();
    const faulty = createFaultTransport(inner, { seed: 11, latencyMs: { min: 5000, max: 5000 } });
    const controller = new AbortController();
    const pending = faulty.pull(pullRequest, { signal: controller.signal }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();

    expect(await pending).toBeInstanceOf(AbortedError);
    expect(vi.getTimerCount()).toBe(0);
    expect(inner.calls).toHaveLength(0);
  });
});

describe('delegation', () => {
  it('reports the inner stats and closes the inner transport', async () => {
    const inner = new RecordingTransport();
    const faulty = createFaultTransport(inner, { seed: 12 });
    await faulty.health();
    await faulty.close();

    expect(faulty.stats()).toEqual({ requests: 1, bytesSent: 11, bytesReceived: 22 });
    expect(inner.closed).toBe(true);
  });
});
