// The keepalive flush's request: the longest prefix of the outbox whose body, as sent, fits the budget.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createClient, createHttpTransport, createMemoryStore } from '../../src/index.js';
import { KEEPALIVE_MAX_BYTES, readFlushRequest } from '../../src/sw.js';
import { utf8ByteLength } from '../../src/transport/utf8.js';

const transport = createHttpTransport({ url: 'http://unused.test' });

describe('readFlushRequest', () => {
  it('takes the longest prefix whose UTF-8 body is within the budget, counting multi-byte text as bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀'), maxLength: 400 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 100, max: 4000 }), async (texts, maxBytes) => {
        const store = createMemoryStore();
        const client = await createClient({ store, transport, autoSync: false });
        for (const [i, text] of texts.entries()) await client.collection('notes').put(`k${i}`, { text });
        const flush = await readFlushRequest(store, client.clientId, maxBytes);
        const mutations = flush?.request.mutations ?? [];
        if (flush !== undefined) {
          expect(flush.bytes).toBe(utf8ByteLength(JSON.stringify(flush.request))); // exactly the body sent
          expect(flush.bytes).toBeLessThanOrEqual(maxBytes);
          expect(mutations.map((m) => m.id)).toEqual(mutations.map((_, i) => i + 1)); // oldest first, no gap
        }
        // Maximal: one more mutation would not fit.
        const oneMore = await readFlushRequest(store, client.clientId, 1_000_000);
        const next = oneMore!.request.mutations.slice(0, mutations.length + 1);
        if (next.length > mutations.length) expect(utf8ByteLength(JSON.stringify({ ...oneMore!.request, mutations: next }))).toBeGreaterThan(maxBytes);
        await client.close();
      }),
      { numRuns: 40 },
    );
  });

  it('sends nothing when nothing is pending or the oldest mutation alone is over the budget', async () => {
    const store = createMemoryStore();
    const client = await createClient({ store, transport, autoSync: false });
    expect(await readFlushRequest(store, client.clientId)).toBeUndefined();
    await client.collection('notes').put('big', { text: 'x'.repeat(KEEPALIVE_MAX_BYTES) });
    await client.collection('notes').put('small', { text: 'y' });
    expect(await readFlushRequest(store, client.clientId)).toBeUndefined(); // never skips past the oldest: order
    await client.close();
  });
});
