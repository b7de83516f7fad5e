// Live queries re-run only for changes that can affect them: a write to another collection, or to a
// record that neither is in the answer nor matches the query, runs no query at all (counted through
// client.metrics(), which counts every query run); a relevant change re-runs once and delivers.
import { describe, expect, it, vi } from 'vitest';
import { createClient, type JsonObject, type QueryPage } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';

async function idle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

describe('live queries', () => {
  it('skip unrelated changes and deliver relevant ones once per transaction', async () => {
    const transport = createHttpTransport({ url: 'http://unused.test', token: 't', fetch: () => Promise.reject(new Error('offline')) });
    const client = await createClient({ store: createMemoryStore(), transport, autoSync: false, indexes: { receipts: ['status'] } });
    const receipts = client.collection('receipts');
    await receipts.put('r1', { status: 'open' });
    const pages: Array<QueryPage<JsonObject>> = [];
    const runs = async () => {
      const m = await client.metrics();
      return m.queryIndexed + m.queryScans;
    };
    const stop = receipts.watch({ where: { status: 'open' } }, (page) => pages.push(page));
    // The live query's code loads lazily: wait for its first answer.
    await vi.waitFor(() => expect(pages.map((p) => p.records.map((r) => r.key))).toEqual([['r1']]));
    const afterFirst = await runs();

    await client.collection('products').put('p1', { status: 'open' });
    await receipts.put('r2', { status: 'paid' });
    await idle();
    expect(await runs()).toBe(afterFirst);
    expect(pages).toHaveLength(1);

    await receipts.put('r3', { status: 'open' });
    await idle();
    expect(await runs()).toBe(afterFirst + 1);
    expect(pages.map((p) => p.records.map((r) => r.key))).toEqual([['r1'], ['r1', 'r3']]);

    await receipts.patch('r1', { status: 'paid' });
    await idle();
    expect(pages.map((p) => p.records.map((r) => r.key))).toEqual([['r1'], ['r1', 'r3'], ['r3']]);

    stop();
    await receipts.put('r4', { status: 'open' });
    await idle();
    expect(pages).toHaveLength(3);
    await client.close();
  });
});
