// Server-side effects over real HTTP on both backends: enqueued in the mutation's transaction,
// delivered with an Idempotency-Key, in order per key, retried with backoff on 5xx and timeouts,
// dead-lettered when they keep failing, and replayed from the dead letters.
import { afterEach, expect, it } from 'vitest';
import { httpEffect } from '../../src/server.js';
import type { EffectsOptions } from '../../src/server.js';
import type { PushResponse } from '../../src/protocol/wire.js';
import { describeEachDialect, mutation, type TestServer } from '../server/helpers.js';
import { eventually } from '../server-pg/harness.js';
import { fiscalHandlers } from './domain.js';
import { startReceiver, type Receiver } from './receiver.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function effectsTo(receiver: Receiver, extra: Partial<EffectsOptions> = {}): EffectsOptions {
  return { handlers: { 'fiscal.register': httpEffect({ url: receiver.url }) }, backoffMs: 5, maxBackoffMs: 20, pollMs: 20, timeoutMs: 2000, leaseMs: 5000, ...extra };
}

const sell = (id: number, extra: Record<string, unknown> = {}) => mutation(id, 'sell', { n: id, ...extra } as never);

describeEachDialect('server-side effects', (start) => {
  async function setup(receiver: Receiver, extra: Partial<EffectsOptions> = {}): Promise<TestServer> {
    const t = await start({ mutations: fiscalHandlers, effects: effectsTo(receiver, extra) });
    cleanups.push(() => t.cleanup());
    return t;
  }

  it('delivers an enqueued effect with its id as Idempotency-Key; a refused mutation enqueues nothing and writes no app row', async () => {
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const t = await setup(receiver);
    const res: PushResponse = await t.pushOk([sell(1), sell(2, { refuse: true })]);
    const first = res.outcomes[0];
    expect(first?.status).toBe('applied');
    expect(res.outcomes[1]?.status).toBe('rejected');
    const effectId = (first?.status === 'applied' ? (first.result as { effectId: string }) : { effectId: '' }).effectId;
    await eventually('effect delivered', () => receiver.performed.size === 1);
    expect(receiver.requests[0]?.key).toBe(effectId);
    expect(receiver.requests[0]?.json).toEqual({ n: 1 });
    const listed = await waitFor(async () => (await t.server.effects.list()).filter((e) => e.status === 'delivered'), (l) => l.length === 1);
    expect(listed[0]?.id).toBe(effectId);
    expect(listed[0]?.result).toEqual({ ok: true, ref: `ext-${effectId.slice(0, 8)}` });
    expect(await t.server.effects.list({ status: 'pending' })).toEqual([]);
    // The handler's own table: the refused mutation's row rolled back with it.
    const count = (await t.pushOk([mutation(3, 'appLogCount', null)])).outcomes[0];
    expect(count?.status === 'applied' ? count.result : count).toBe(1);
  });

  it('writes the result back to the record through a server-side mutation; clients pull it', async () => {
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const t = await start({ mutations: fiscalHandlers, effects: { ...effectsTo(receiver), handlers: { 'fiscal.register': { deliver: httpEffect({ url: receiver.url }), writeBack: 'receipt.fiscalised' } } } });
    cleanups.push(() => t.cleanup());
    await t.pushOk([mutation(1, 'sell', { n: 7 })]);
    const delivered = await waitFor(() => t.server.effects.list({ status: 'delivered' }), (l) => l.length === 1);
    const pulled = await t.pull(0);
    const receipt = pulled.changes.find((c) => c.key === 'r7');
    expect(receipt !== undefined && 'value' in receipt ? receipt.value : receipt).toEqual({ n: 7, fiscalStatus: 'registered', fiscalId: `ext-${delivered[0]?.id.slice(0, 8)}` });
    expect(receiver.performed.size).toBe(1);
  });

  it('keeps per-key order: an effect waits while an older one of its key is failing; other keys go on', async () => {
    // The first effect of key A fails twice (503); B's are unaffected.
    const receiver = await startReceiver((r, attempt) => ((r.json as { n: number }).n === 1 && attempt <= 2 ? 503 : 200));
    cleanups.push(() => receiver.close());
    const t = await setup(receiver);
    await t.pushOk([sell(1, { key: 'A' }), sell(2, { key: 'A' }), sell(3, { key: 'B' }), sell(4, { key: 'A' }), sell(5, { key: 'B' })]);
    await eventually('all performed', () => receiver.performed.size === 5);
    const keyOfN = new Map([[1, 'A'], [2, 'A'], [3, 'B'], [4, 'A'], [5, 'B']]);
    const ns = (key: string) => receiver.requests.filter((r) => keyOfN.get(keyOf(r.json) ?? 0) === key);
    // Every request of key A, in arrival order: 1 (failed), 1 (failed), 1, 2, 4 — never 2 before 1 succeeded.
    expect(ns('A').map((r) => keyOf(r.json))).toEqual([1, 1, 1, 2, 4]);
    expect(ns('B').map((r) => keyOf(r.json))).toEqual([3, 5]);
  });

  it('retries a receiver that times out, and the receiver performs the effect once', async () => {
    const receiver = await startReceiver((_r, attempt) => (attempt === 1 ? 'hang' : 200));
    cleanups.push(() => receiver.close());
    const t = await setup(receiver, { timeoutMs: 200 });
    await t.pushOk([sell(1)]);
    await eventually('performed after a timeout', () => receiver.performed.size === 1);
    expect(receiver.requests.length).toBe(2);
    expect(receiver.requests[0]?.key).toBe(receiver.requests[1]?.key);
  });

  it('dead-letters an effect that keeps failing, frees its key, and replays it under the same id', async () => {
    let broken = true;
    const receiver = await startReceiver((r) => (broken && keyOf(r.json) === 1 ? 500 : 200));
    cleanups.push(() => receiver.close());
    const t = await setup(receiver, { maxAttempts: 3 });
    await t.pushOk([sell(1, { key: 'K' }), sell(2, { key: 'K' })]);
    const letters = await waitFor(() => t.server.effects.deadLetters(), (l) => l.length === 1);
    const letter = letters[0];
    expect(letter?.attempts).toBe(3);
    expect(letter?.payload).toEqual({ n: 1 });
    expect(letter?.error).toMatch(/answered 500/);
    // The key is free again: effect 2 goes through while 1 is dead.
    await eventually('effect 2 performed', () => receiver.performed.size === 1);
    expect(receiver.requests.filter((r) => keyOf(r.json) === 1)).toHaveLength(3);

    broken = false;
    await t.server.effects.replay(letter?.id as string);
    await eventually('replayed effect performed', () => receiver.performed.has(letter?.id as string));
    expect((await t.server.effects.deadLetters({ status: 'replayed' }))[0]?.id).toBe(letter?.id);
    await expect(t.server.effects.replay(letter?.id as string)).rejects.toThrow(/already replayed/);
  });
});

function keyOf(json: unknown): number | undefined {
  return (json as { n?: number } | undefined)?.n;
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not reached in 10 s');
}
