// Outgoing webhooks over real HTTP: signatures verify with the reference `standardwebhooks` library
// (both secrets during a rotation), 5xx is retried, and a receiver that is down for a while gets
// every event after it returns, in order per key.
import { Webhook } from 'standardwebhooks';
import { afterEach, expect, it } from 'vitest';
import type { MutationHandler } from '../../src/server.js';
import { describeEachDialect, mutation, type TestServer } from '../server/helpers.js';
import { eventually } from '../server-pg/harness.js';
import { startReceiver, type Received } from './receiver.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const handlers: Record<string, MutationHandler> = {
  order: async (ctx, args) => {
    const { n, key } = args as { n: number; key: string };
    await ctx.put('orders', `o${n}`, { n });
    return ctx.publish('order.created', { n }, { key });
  },
};

const headersOf = (r: Received): Record<string, string> => ({
  'webhook-id': String(r.headers['webhook-id']),
  'webhook-timestamp': String(r.headers['webhook-timestamp']),
  'webhook-signature': String(r.headers['webhook-signature']),
});

describeEachDialect('outgoing webhooks', (start) => {
  async function setup(): Promise<TestServer> {
    const t = await start({ mutations: handlers, webhooks: true, effects: { handlers: {}, backoffMs: 5, maxBackoffMs: 40, pollMs: 20, timeoutMs: 1000, maxAttempts: 1000 } });
    cleanups.push(() => t.cleanup());
    return t;
  }

  it('signs per Standard Webhooks: verifies with the reference library, with either secret during a rotation; retries a 5xx', async () => {
    const receiver = await startReceiver((_r, attempt) => (attempt === 1 ? 503 : 200));
    cleanups.push(() => receiver.close());
    const t = await setup();
    const sub = await t.server.webhooks.add({ url: receiver.url, events: ['order.created'] });
    const res = await t.pushOk([mutation(1, 'order', { n: 1, key: 'a' })]);
    expect(res.outcomes[0]?.status === 'applied' ? res.outcomes[0].result : undefined).toBe(1);
    await eventually('delivered after a 503', () => receiver.performed.size === 1);
    const last = receiver.requests.at(-1) as Received;
    expect(receiver.requests).toHaveLength(2);
    expect(new Webhook(sub.secrets[0] as string).verify(last.body, headersOf(last))).toEqual({ type: 'order.created', timestamp: expect.any(String), data: { n: 1 } });
    expect(() => new Webhook(`whsec_${Buffer.from('not the secret, not at all!').toString('base64')}`).verify(last.body, headersOf(last))).toThrow();

    const next = await t.server.webhooks.rotateSecret(sub.id);
    await t.pushOk([mutation(2, 'order', { n: 2, key: 'a' })]);
    await eventually('second delivery', () => receiver.performed.size === 2);
    const rotated = receiver.requests.at(-1) as Received;
    expect(new Webhook(next).verify(rotated.body, headersOf(rotated))).toMatchObject({ data: { n: 2 } });
    expect(new Webhook(sub.secrets[0] as string).verify(rotated.body, headersOf(rotated))).toMatchObject({ data: { n: 2 } });
    await t.server.webhooks.retireSecrets(sub.id);
    expect((await t.server.webhooks.list())[0]?.secrets).toEqual([next]);
  });

  it('a receiver down for a while gets every event after it returns, in order per key', async () => {
    let down = true;
    const receiver = await startReceiver(() => (down ? 503 : 200));
    cleanups.push(() => receiver.close());
    const t = await setup();
    await t.server.webhooks.add({ url: receiver.url, events: ['*'] });
    const keys = ['a', 'b', 'c'];
    await t.pushOk(Array.from({ length: 30 }, (_, i) => mutation(i + 1, 'order', { n: i + 1, key: keys[i % 3] as string })));
    await eventually('several failed attempts', () => receiver.requests.length >= 6);
    expect(receiver.performed.size).toBe(0);
    down = false;
    await eventually('all 30 delivered', () => receiver.performed.size === 30, 20_000);
    const firstSeen = receiver.order.map((id) => (receiver.requests.find((r) => r.key === id)?.json as { data: { n: number } }).data.n);
    for (const [k, key] of keys.entries()) {
      const ns = firstSeen.filter((n) => (n - 1) % 3 === k);
      expect(ns, `key ${key}`).toEqual([...ns].sort((x, y) => x - y));
      expect(ns).toHaveLength(10);
    }
  });
});
