/**
 * A Transport decorator that times every request and reports it (duration, wire bytes, items, how it
 * failed) to a sink — the NetworkMonitor. Bytes come from the inner transport's `stats()` delta, so
 * they are the bytes that crossed the wire (compressed when compressed). With concurrent requests on
 * one transport the deltas of overlapping requests blur together; syncline's cycle is sequential.
 */
import { isSynclineError } from '../core/errors.js';
import type { Timers } from '../core/seams.js';
import type { HealthResponse, PullRequest, PullResponse, PushRequest, PushResponse } from '../protocol/wire.js';
import type { RequestOptions, Transport, TransportStats } from '../transport/transport.js';
import type { FailureKind, RequestOperation, RequestSample } from './link-metrics.js';

export interface SampleSink {
  record(sample: RequestSample): void;
}

export function createMeasuringTransport(inner: Transport, sink: SampleSink, timers: Timers): Transport {
  const measure = async <T>(operation: RequestOperation, items: (response: T) => number, send: () => Promise<T>): Promise<T> => {
    const before = inner.stats();
    const started = timers.now();
    const finish = (count: number, failure: FailureKind | undefined): void => {
      const after = inner.stats();
      sink.record({
        operation,
        durationMs: timers.now() - started,
        bytesSent: after.bytesSent - before.bytesSent,
        bytesReceived: after.bytesReceived - before.bytesReceived,
        items: count,
        failure,
      });
    };
    try {
      const response = await send();
      finish(items(response), undefined);
      return response;
    } catch (error) {
      const failure = failureKind(error);
      if (failure !== 'ignore') finish(0, failure);
      throw error;
    }
  };
  return {
    push: (request: PushRequest, options?: RequestOptions): Promise<PushResponse> =>
      measure('push', () => request.mutations.length, () => inner.push(request, options)),
    pull: (request: PullRequest, options?: RequestOptions): Promise<PullResponse> =>
      measure('pull', (page: PullResponse) => page.changes.length, () => inner.pull(request, options)),
    health: (options?: RequestOptions): Promise<HealthResponse> => measure('health', () => 0, () => inner.health(options)),
    stats: (): TransportStats => inner.stats(),
    close: async () => {
      await inner.close?.();
    },
  };
}

/**
 * What an error says about the link. Aborts (the caller gave up), closes and open circuits say nothing, so they are
 * not recorded; an error response from the server ('server') proves the link carried a round trip.
 */
export function failureKind(error: unknown): FailureKind | 'ignore' {
  if (!isSynclineError(error)) return 'network';
  switch (error.code) {
    case 'timeout':
      return 'timeout';
    case 'transport':
      return 'network';
    case 'aborted':
    case 'client-closed':
      return 'ignore';
    case 'circuit-open':
      // A breaker's fast failure never left the client: no news about the link or the server. Only
      // when its half-open probe went out and failed (the cause) is there something to record.
      return error.cause === undefined ? 'ignore' : failureKind(error.cause);
    default:
      return 'server';
  }
}
