/** Transport conformance: every failure is a SynclineError of the documented class, and nothing is retried. */
import { describe, expect, it } from 'vitest';
import { AbortedError, ServerError, TimeoutError, TransportError, isSynclineError } from '../core/errors.js';
import { rejectionOf } from './store-conformance-helpers.js';
import type { TransportConformanceContext } from './transport-conformance.js';
import { pushOf, putProduct } from './transport-conformance-responses.js';
import { OVERLOADED_RETRY_AFTER_S } from './transport-conformance-server.js';

/** Short enough to keep the suite quick, long enough for a loopback round trip on a busy machine. */
const TIMEOUT_MS = 150;
/** How long a request may stay pending after its deadline or abort before the test calls it hanging. */
export const HANG_LIMIT_MS = 5000;

export function declareErrorTests(context: TransportConformanceContext): void {
  const { open, newClientId } = context;
  const server = (): ReturnType<TransportConformanceContext['server']> => context.server();

  /** The error `promise` rejected with, checked to be a SynclineError with a message. */
  const failureOf = async (promise: Promise<unknown>): Promise<unknown> => {
    const error = await rejectionOf(promise);
    expect(isSynclineError(error), `expected a SynclineError, got ${String(error)}`).toBe(true);
    expect((error as Error).message.length).toBeGreaterThan(0);
    return error;
  };

  describe('errors', () => {
    it('401: ServerError, code unauthenticated, not retryable', async () => {
      const transport = await open('wrong-token');
      const clientId = newClientId();
      const failures = [
        await failureOf(transport.push(pushOf(clientId, [putProduct(1, 'refused')]))),
        await failureOf(transport.pull({ v: 1, clientId, cursor: 0, limit: 10 })),
      ];
      for (const error of failures) {
        expect(error).toBeInstanceOf(ServerError);
        expect(error).toMatchObject({ status: 401, code: 'unauthenticated', retryable: false });
      }
    });

    it('409 mutation gap: ServerError, code mutation-gap, not retryable, nothing applied', async () => {
      const transport = await open();
      const clientId = newClientId();
      const error = await failureOf(transport.push(pushOf(clientId, [putProduct(5, `${clientId}-gap`)])));
      expect(error).toBeInstanceOf(ServerError);
      expect(error).toMatchObject({ status: 409, code: 'mutation-gap', serverCode: 'mutation-gap', retryable: false });
      const page = await transport.pull({ v: 1, clientId, cursor: 0, limit: 1000 });
      expect(page.lastMutationId).toBe(0);
      expect(page.changes.filter((c) => c.key.startsWith(clientId))).toEqual([]);
    });

    it('503 with Retry-After: retryable ServerError carrying retryAfterMs, sent once (no retry inside)', async () => {
      const transport = await open();
      server().mode = 'overloaded';
      const before = server().requests();
      const error = await failureOf(transport.pull({ v: 1, clientId: newClientId(), cursor: 0, limit: 10 }));
      expect(error).toBeInstanceOf(ServerError);
      expect(error).toMatchObject({ status: 503, retryable: true, retryAfterMs: OVERLOADED_RETRY_AFTER_S * 1000 });
      expect(server().requests() - before).toBe(1);
    });

    it('server down (connection refused): TransportError, retryable', async () => {
      const transport = await open('down');
      const clientId = newClientId();
      const failures = [
        await failureOf(transport.push(pushOf(clientId, [putProduct(1, 'nowhere')]))),
        await failureOf(transport.pull({ v: 1, clientId, cursor: 0, limit: 10 })),
        await failureOf(transport.health()),
      ];
      for (const error of failures) {
        expect(error).toBeInstanceOf(TransportError);
        expect(error).toMatchObject({ code: 'transport', retryable: true });
      }
    });

    it('no answer within RequestOptions.timeoutMs: TimeoutError, retryable', async () => {
      const transport = await open();
      server().mode = 'stall';
      const request = transport.pull({ v: 1, clientId: newClientId(), cursor: 0, limit: 10 }, { timeoutMs: TIMEOUT_MS });
      const error = await failureOf(settlesWithin(request, TIMEOUT_MS + HANG_LIMIT_MS, 'A request with timeoutMs'));
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ code: 'timeout', retryable: true });
    });

    it('the caller aborts a request in flight: AbortedError, not retryable', async () => {
      const transport = await open();
      server().mode = 'stall';
      const controller = new AbortController();
      const stalled = server().nextStall();
      const pending = transport.push(pushOf(newClientId(), [putProduct(1, 'aborted')]), { signal: controller.signal });
      pending.catch(() => undefined); // inspected below, after the abort
      await stalled;
      controller.abort(new Error('the user cancelled the sync'));
      const error = await failureOf(settlesWithin(pending, HANG_LIMIT_MS, 'A request aborted by its caller'));
      expect(error).toBeInstanceOf(AbortedError);
      expect(error).toMatchObject({ code: 'aborted', retryable: false });
    });

    it('an already aborted signal: AbortedError, and nothing is sent', async () => {
      const transport = await open();
      const before = server().requests();
      const signal = AbortSignal.abort(new Error('cancelled before the call'));
      const clientId = newClientId();
      const failures = [
        await failureOf(transport.push(pushOf(clientId, [putProduct(1, 'never')]), { signal })),
        await failureOf(transport.pull({ v: 1, clientId, cursor: 0, limit: 10 }, { signal })),
        await failureOf(transport.health({ signal })),
      ];
      for (const error of failures) expect(error).toBeInstanceOf(AbortedError);
      expect(server().requests()).toBe(before);
    });
  });
}

/**
 * `promise`, or a rejection saying what was still pending after `ms`: a transport that ignores its
 * signal then fails its test in seconds with a clear message instead of at the test timeout.
 */
export function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} was still pending ${ms} ms later: the transport ignores its signal or deadline.`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}
