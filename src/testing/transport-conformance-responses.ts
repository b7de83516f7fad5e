/** Transport conformance: push, pull and health resolve with validated responses; resends are duplicates. */
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../core/errors.js';
import { healthResponse, pullResponse, pushResponse } from '../protocol/wire.js';
import type { Mutation, PushRequest } from '../protocol/wire.js';
import { rejectionOf } from './store-conformance-helpers.js';
import type { TransportConformanceContext } from './transport-conformance.js';

/** A generic put of one `products` record, as a client's outbox would send it. */
export function putProduct(id: number, key: string, price = id): Mutation {
  return { id, name: 'put', args: { collection: 'products', key, value: { name: `Product ${key}`, price }, baseVersion: null }, createdAt: 1_700_000_000_000 + id };
}

export function pushOf(clientId: string, mutations: Mutation[]): PushRequest {
  return { v: 1, clientId, mutations };
}

export function declareResponseTests(context: TransportConformanceContext): void {
  const { open, newClientId } = context;

  describe('responses', () => {
    it('push resolves with a validated response: one outcome per mutation, in order', async () => {
      const transport = await open();
      const clientId = newClientId();
      const response = await transport.push(pushOf(clientId, [putProduct(1, 'p1'), putProduct(2, 'p2')]));
      expect(pushResponse.safeParse(response).success).toBe(true);
      expect(response.lastMutationId).toBe(2);
      expect(response.outcomes.map((o) => [o.id, o.status, o.duplicate ?? false])).toEqual([
        [1, 'applied', false],
        [2, 'applied', false],
      ]);
      const [first, second] = response.outcomes;
      expect(second?.version).toBeGreaterThan(first?.version ?? Infinity);
    });

    it('pull resolves with a validated page holding what was pushed', async () => {
      const transport = await open();
      const clientId = newClientId();
      const pushed = await transport.push(pushOf(clientId, [putProduct(1, `${clientId}-a`), putProduct(2, `${clientId}-b`)]));
      const page = await transport.pull({ v: 1, clientId, cursor: 0, limit: 1000 });
      expect(pullResponse.safeParse(page).success).toBe(true);
      expect(page.hasMore).toBe(false);
      expect(page.lastMutationId).toBe(2);
      expect(page.cursor).toBeGreaterThanOrEqual(pushed.outcomes[1]?.version ?? Infinity);
      const mine = page.changes.filter((c) => c.key.startsWith(clientId));
      expect(mine.map((c) => [c.collection, c.key, 'value' in c ? c.value : undefined])).toEqual([
        ['products', `${clientId}-a`, { name: `Product ${clientId}-a`, price: 1 }],
        ['products', `${clientId}-b`, { name: `Product ${clientId}-b`, price: 2 }],
      ]);
    });

    it('health resolves with { v: 1, status: "ok" }', async () => {
      const transport = await open();
      const response = await transport.health();
      expect(healthResponse.safeParse(response).success).toBe(true);
      expect(response).toMatchObject({ v: 1, status: 'ok' });
    });

    it('a 2xx response that does not match the protocol is refused with ProtocolError, not retryable', async () => {
      const transport = await open();
      const clientId = newClientId();
      context.server().mode = 'garble';
      const failures = [
        await rejectionOf(transport.push(pushOf(clientId, [putProduct(1, 'garbled')]))),
        await rejectionOf(transport.pull({ v: 1, clientId, cursor: 0, limit: 10 })),
        await rejectionOf(transport.health()),
      ];
      for (const error of failures) {
        expect(error).toBeInstanceOf(ProtocolError);
        expect(error).toMatchObject({ code: 'protocol', retryable: false });
      }
    });
  });

  describe('exactly-once, seen through the transport', () => {
    it('a resent push is not applied again: its outcomes come back as duplicates with the original versions', async () => {
      const transport = await open();
      const clientId = newClientId();
      const request = pushOf(clientId, [putProduct(1, `${clientId}-x`, 10), putProduct(2, `${clientId}-y`, 20)]);
      const first = await transport.push(request);
      const again = await transport.push(request);
      expect(pushResponse.safeParse(again).success).toBe(true);
      expect(again.lastMutationId).toBe(2);
      expect(again.outcomes.map((o) => ({ id: o.id, status: o.status, version: o.version, duplicate: o.duplicate }))).toEqual(
        first.outcomes.map((o) => ({ id: o.id, status: o.status, version: o.version, duplicate: true })),
      );
    });

    it('a resend that overlaps new mutations skips the applied ones and applies the rest, in order', async () => {
      const transport = await open();
      const clientId = newClientId();
      const first = await transport.push(pushOf(clientId, [putProduct(1, `${clientId}-1`), putProduct(2, `${clientId}-2`)]));
      const overlap = await transport.push(pushOf(clientId, [putProduct(2, `${clientId}-2`), putProduct(3, `${clientId}-3`)]));
      expect(overlap.lastMutationId).toBe(3);
      expect(overlap.outcomes.map((o) => [o.id, o.status, o.duplicate ?? false])).toEqual([
        [2, 'applied', true],
        [3, 'applied', false],
      ]);
      // Applied twice, record 2 would carry a newer version than its first outcome said.
      const page = await transport.pull({ v: 1, clientId, cursor: 0, limit: 1000 });
      const versions = page.changes.filter((c) => c.key.startsWith(clientId)).map((c) => [c.key, c.version]);
      expect(versions).toEqual([
        [`${clientId}-1`, first.outcomes[0]?.version],
        [`${clientId}-2`, first.outcomes[1]?.version],
        [`${clientId}-3`, overlap.outcomes[1]?.version],
      ]);
    });
  });
}
