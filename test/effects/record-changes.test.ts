// record.changed over real HTTP on both backends: a subscriber to `receipts` gets one verified
// (standardwebhooks `Webhook.verify`) event per committed change of a generic push — in order per
// record even when deliveries fail and are retried — plus named-handler and server.mutate writes;
// a rejected write sends nothing, and without a record-change subscriber no effect row is written.
import { Webhook } from 'standardwebhooks';
import { afterEach, expect, it } from 'vitest';
import type { MutationHandler, RecordChangedData } from '../../src/server.js';
import { describeEachDialect, mutation, type TestServer } from '../server/helpers.js';
import { eventually } from '../server-pg/harness.js';
import { orderingKey } from '../../src/server/webhooks/record-changes.js';
import { startReceiver, type Received } from './receiver.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const handlers: Record<string, MutationHandler> = {
  'receipt.void': async (ctx, args) => {
    const { key } = args as { key: string };
    await ctx.put('receipts', key, { total: 0, voided: true });
    return undefined;
  },
};

const headersOf = (r: Received): Record<string, string> => ({
  'webhook-id': String(r.headers['webhook-id']),
  'webhook-timestamp': String(r.headers['webhook-timestamp']),
  'webhook-signature': String(r.headers['webhook-signature']),
});

const put = (id: number, collection: string, key: string, value: Record<string, number | boolean>, baseVersion: number | null) => mutation(id, 'put', { collection, key, value, baseVersion });

describeEachDialect('record.changed webhooks', (start) => {
  async function setup(): Promise<TestServer> {
    const t = await start({
      mutations: handlers,
      collections: { receipts: { writable: true }, notes: { writable: true } },
      webhooks: true,
      effects: { handlers: {}, backoffMs: 5, maxBackoffMs: 20, pollMs: 20, timeoutMs: 2000, maxAttempts: 1000 },
    });
    cleanups.push(() => t.cleanup());
    return t;
  }

  it('delivers one verified event per committed change of `receipts`, in order per key, through failures and retries', async () => {
    // Every odd version fails on its first attempt: a later change of the same record must wait for it.
    const receiver = await startReceiver((r, attempt) => ((r.json as { data: { version: number } }).data.version % 2 === 1 && attempt === 1 ? 503 : 200));
    cleanups.push(() => receiver.close());
    const t = await setup();
    const sub = await t.server.webhooks.add({ url: receiver.url, collections: ['receipts'] });
    const res = await t.pushOk([
      put(1, 'receipts', 'r1', { total: 1 }, null), // v1
      put(2, 'receipts', 'r2', { total: 2 }, null), // v2
      put(3, 'notes', 'n1', { total: 3 }, null), // v3, not subscribed
      mutation(4, 'patch', { collection: 'receipts', key: 'r1', fields: { total: 10 }, expected: { total: 1 }, baseVersion: 1 }), // v4
      mutation(5, 'delete', { collection: 'receipts', key: 'r2', baseVersion: 2 }), // v5
      put(6, 'locked', 'x', { total: 6 }, null), // rejected: not writable
      put(7, 'receipts', 'r1', { total: 11 }, 4), // v6
      mutation(8, 'receipt.void', { key: 'r3' }), // v7, a named handler's ctx.put
    ]);
    expect(res.outcomes.map((o) => o.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied', 'rejected', 'applied', 'applied']);
    expect((await t.server.mutate('scope-a', 'delete', { collection: 'receipts', key: 'r3', baseVersion: 7 })).status).toBe('applied'); // v8

    await eventually('7 changes delivered', () => receiver.performed.size === 7, 20_000);
    const secret = sub.secrets[0] as string;
    const events = receiver.order.map((id) => {
      const request = receiver.requests.find((r) => r.key === id) as Received;
      return new Webhook(secret).verify(request.body, headersOf(request)) as { type: string; data: RecordChangedData };
    });
    expect(events.every((e) => e.type === 'record.changed')).toBe(true);
    const byVersion = [...events].map((e) => e.data).sort((a, b) => a.version - b.version);
    expect(byVersion.map((d) => [d.key, d.version, d.op, d.value, d.writer])).toEqual([
      ['r1', 1, 'put', { total: 1 }, { clientId: 'client-aaaa-0001', mutationId: 1 }],
      ['r2', 2, 'put', { total: 2 }, { clientId: 'client-aaaa-0001', mutationId: 2 }],
      ['r1', 4, 'patch', { total: 10 }, { clientId: 'client-aaaa-0001', mutationId: 4 }],
      ['r2', 5, 'delete', null, { clientId: 'client-aaaa-0001', mutationId: 5 }],
      ['r1', 6, 'put', { total: 11 }, { clientId: 'client-aaaa-0001', mutationId: 7 }],
      ['r3', 7, 'put', { total: 0, voided: true }, { clientId: 'client-aaaa-0001', mutationId: 8 }],
      ['r3', 8, 'delete', null, { clientId: 'syncline:server', mutationId: 1 }],
    ]);
    expect(byVersion.every((d) => d.scope === 'scope-a' && d.collection === 'receipts')).toBe(true);
    // Per record, performed in version order although the odd versions failed first.
    for (const key of ['r1', 'r2', 'r3']) {
      const versions = events.filter((e) => e.data.key === key).map((e) => e.data.version);
      expect(versions, key).toEqual([...versions].sort((a, b) => a - b));
    }
    expect(receiver.requests.length).toBeGreaterThan(7);
  });

  it('keeps per-key order when one slice enqueues more events than one INSERT batch holds', async () => {
    const receiver = await startReceiver(() => 503); // nothing is delivered: the rows stay pending, in seq order
    cleanups.push(() => receiver.close());
    const t = await setup();
    const subs = [];
    for (let i = 0; i < 3; i++) subs.push((await t.server.webhooks.add({ url: receiver.url, collections: ['receipts'] })).id);
    // 60 writes alternating over two records, three subscribers: 180 events, more than one batch.
    const versions = new Map<string, number>();
    const mutations = Array.from({ length: 60 }, (_, i) => {
      const key = `r${i % 2}`;
      const base = versions.get(key) ?? null;
      versions.set(key, i + 1);
      return put(i + 1, 'receipts', key, { total: i }, base);
    });
    await t.pushOk(mutations);
    const effects = await t.server.effects.list({ limit: 1000 });
    expect(effects).toHaveLength(180);
    const seen = new Map<string, number[]>();
    for (const effect of effects) {
      const event = effect.payload as unknown as { subscriptionId: string; data: RecordChangedData };
      const list = seen.get(effect.key) ?? [];
      list.push(event.data.version);
      seen.set(effect.key, list);
    }
    expect(seen.size).toBe(6);
    for (const sub of subs) {
      for (const key of ['r0', 'r1']) {
        const expected = Array.from({ length: 30 }, (_, i) => 2 * i + (key === 'r0' ? 1 : 2));
        expect(seen.get(orderingKey(sub, { scope: 'scope-a', collection: 'receipts', key }))).toEqual(expected);
      }
    }
  });

  it('writes no effect row when no subscription asks for record changes (an events-only one does not)', async () => {
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const t = await setup();
    await t.server.webhooks.add({ url: receiver.url, events: ['order.created'] });
    await t.pushOk([put(1, 'receipts', 'r1', { total: 1 }, null), put(2, 'notes', 'n1', { total: 2 }, null), mutation(3, 'receipt.void', { key: 'r2' })]);
    expect(await t.server.effects.list()).toEqual([]);
    // Subscribing to another collection, or to other ops, still writes nothing for these.
    await t.server.webhooks.add({ url: receiver.url, collections: ['notes'], operations: ['delete'] });
    await t.pushOk([put(4, 'receipts', 'r3', { total: 1 }, null), put(5, 'notes', 'n2', { total: 2 }, null)]);
    expect(await t.server.effects.list()).toEqual([]);
    await t.pushOk([mutation(6, 'delete', { collection: 'notes', key: 'n2', baseVersion: 5 })]);
    expect((await t.server.effects.list()).map((e) => (e.payload as unknown as { data: RecordChangedData }).data.op)).toEqual(['delete']);
  });
});
