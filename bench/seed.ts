/**
 * Fills a server quickly with raw push requests (1000 mutations each) from one seeding clientId,
 * bypassing the syncline client: the bench measures pulls and drains, not the seeding.
 */
import { LIMITS, PROTOCOL_VERSION, type Mutation, type PushResponse } from '../src/protocol/wire.js';

/** A raw pusher for one clientId; mutation ids continue across calls. */
export class RawPusher {
  #nextId = 1;

  constructor(
    readonly url: string,
    readonly token: string,
    readonly clientId: string,
  ) {}

  /** Push `count` mutations made by `make(i)`, 1000 per request, in order. */
  async pushAll(count: number, make: (index: number) => Pick<Mutation, 'name' | 'args'>): Promise<{ requests: number; ms: number }> {
    const started = performance.now();
    let requests = 0;
    for (let offset = 0; offset < count; offset += LIMITS.maxMutationsPerPush) {
      const size = Math.min(LIMITS.maxMutationsPerPush, count - offset);
      const mutations = Array.from({ length: size }, (_, i): Mutation => ({ id: this.#nextId + i, ...make(offset + i), createdAt: Date.now() }));
      await this.#push(mutations);
      this.#nextId += size;
      requests += 1;
    }
    return { requests, ms: performance.now() - started };
  }

  async #push(mutations: Mutation[]): Promise<void> {
    const response = await fetch(`${this.url}/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ v: PROTOCOL_VERSION, clientId: this.clientId, mutations }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`seed push failed with HTTP ${response.status}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as PushResponse;
    const rejected = body.outcomes.find((o) => o.status === 'rejected');
    if (rejected !== undefined) throw new Error(`seed mutation ${rejected.id} was rejected: ${JSON.stringify(rejected)}`);
  }
}

/** Key of the i-th seeded receipt. */
export function seedReceiptId(index: number): string {
  return `seed-${String(index).padStart(7, '0')}`;
}

export function createReceiptMutation(id: string, issuedAt: number): Pick<Mutation, 'name' | 'args'> {
  return {
    name: 'receipts.create',
    args: { id, items: [{ description: 'Espresso', quantity: '1', unitPrice: '2.50', vat: '22' }], issuedAt },
  };
}

export function voidReceiptMutation(receiptId: string): Pick<Mutation, 'name' | 'args'> {
  return { name: 'receipts.void', args: { id: `void-${receiptId}`, receiptId, reason: 'bench' } };
}
