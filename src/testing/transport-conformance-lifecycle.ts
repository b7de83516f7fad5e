/** Transport conformance: stats() accounting, and close(). */
import { describe, expect, it } from 'vitest';
import { AbortedError } from '../core/errors.js';
import type { TransportStats } from '../transport/transport.js';
import { rejectionOf } from './store-conformance-helpers.js';
import type { TransportConformanceContext } from './transport-conformance.js';
import { HANG_LIMIT_MS, settlesWithin } from './transport-conformance-errors.js';
import { pushOf, putProduct } from './transport-conformance-responses.js';

function expectNotDecreasing(before: TransportStats, after: TransportStats): void {
  expect(after.requests).toBeGreaterThanOrEqual(before.requests);
  expect(after.bytesSent).toBeGreaterThanOrEqual(before.bytesSent);
  expect(after.bytesReceived).toBeGreaterThanOrEqual(before.bytesReceived);
}

export function declareLifecycleTests(context: TransportConformanceContext): void {
  const { open, newClientId } = context;

  describe('stats()', () => {
    it('counts each call as one request, and the body bytes both ways; the counters never decrease', async () => {
      const transport = await open();
      const clientId = newClientId();
      const steps: Array<{ call: () => Promise<unknown>; sends: boolean }> = [
        { call: () => transport.health(), sends: false },
        { call: () => transport.push(pushOf(clientId, [putProduct(1, `${clientId}-s`)])), sends: true },
        { call: () => transport.pull({ v: 1, clientId, cursor: 0, limit: 10 }), sends: true },
        // A refused request is still a request, and its error body still crossed the wire.
        { call: () => transport.push(pushOf(clientId, [putProduct(9, `${clientId}-gap`)])).catch(() => undefined), sends: true },
      ];
      for (const step of steps) {
        const before = transport.stats();
        await step.call();
        const after = transport.stats();
        expectNotDecreasing(before, after);
        expect(after.requests).toBe(before.requests + 1);
        expect(after.bytesReceived).toBeGreaterThan(before.bytesReceived);
        if (step.sends) expect(after.bytesSent).toBeGreaterThan(before.bytesSent);
      }
    });

    it('counts a request that got no response (connection refused) as attempted', async () => {
      const transport = await open('down');
      const before = transport.stats();
      await rejectionOf(transport.health());
      const after = transport.stats();
      expectNotDecreasing(before, after);
      expect(after.requests).toBe(before.requests + 1);
    });

    it('returns a snapshot: a later request does not change a result already returned', async () => {
      const transport = await open();
      const snapshot = transport.stats();
      const copy = { ...snapshot };
      await transport.health();
      expect(snapshot).toEqual(copy);
      expect(transport.stats()).not.toEqual(copy);
    });
  });

  describe('close()', () => {
    it('is idempotent, and a request after it rejects with AbortedError', async ({ skip }) => {
      const transport = await open();
      if (transport.close === undefined) skip('this transport has no close() (it is optional in the contract)');
      await transport.health();
      await transport.close?.();
      await transport.close?.();
      const error = await rejectionOf(transport.health());
      expect(error).toBeInstanceOf(AbortedError);
    });

    it('ends requests in flight with AbortedError instead of leaving them hanging', async ({ skip }) => {
      const transport = await open();
      if (transport.close === undefined) skip('this transport has no close() (it is optional in the contract)');
      context.server().mode = 'stall';
      const stalled = context.server().nextStall();
      const pending = transport.pull({ v: 1, clientId: newClientId(), cursor: 0, limit: 10 });
      pending.catch(() => undefined); // inspected below, after close()
      await stalled;
      await transport.close?.();
      expect(await rejectionOf(settlesWithin(pending, HANG_LIMIT_MS, 'A request in flight when close() was called'))).toBeInstanceOf(AbortedError);
    });
  });
}
