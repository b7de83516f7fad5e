// Fiscal registration in the receipts domain, on a real server (SQLite): a sale or void enqueues
// `fiscal.register` in its own transaction (none for a rejected one, none without the option), keyed
// by the sale; the fiscal mutations cannot be pushed by a till. (The full path — effect worker,
// write-back, signed callback — runs in test/demo/fiscal-demo.test.ts.)
import { afterEach, describe, expect, it } from 'vitest';
import { createReceiptHandlers } from '../../src/domain/receipts/server-handlers.js';
import { FISCAL_EFFECT, FISCAL_MUTATIONS } from '../../src/domain/receipts/fiscal.js';
import type { MutationOutcome } from '../../src/protocol/wire.js';
import { productsCollection, receiptHandlers } from '../../src/receipts.js';
import { mutation, pullAll, startServer, type TestServer } from '../server/helpers.js';

let t: TestServer;
afterEach(async () => {
  await t.cleanup();
});

const item = { description: 'Pane', quantity: '1', unitPrice: '2.50', vat: '4' };
const create = (id: number, key: string, unitPrice = '2.50') => mutation(id, 'receipts.create', { id: key, items: [{ ...item, unitPrice }], issuedAt: 1000 + id });
const voidOf = (id: number, key: string, receiptId: string) => mutation(id, 'receipts.void', { id: key, receiptId });
const code = (o: MutationOutcome | undefined) => (o?.status === 'rejected' ? o.code : o?.status);

describe('fiscal registration of receipts', () => {
  it('enqueues one registration per committed sale and void, keyed by the sale, and starts them pending', async () => {
    t = startServer({ mutations: createReceiptHandlers({ fiscal: true }), collections: productsCollection });
    const response = await t.pushOk([create(1, 'r-1'), create(2, 'r-bad', '-1'), voidOf(3, 'v-1', 'r-1'), voidOf(4, 'v-x', 'missing')]);
    expect(response.outcomes.map(code)).toEqual(['applied', 'invalid-args', 'applied', 'unknown-receipt']);
    const effects = await t.server.effects.list({ name: FISCAL_EFFECT });
    // The rejected sale and void rolled their effects back with everything else.
    expect(effects.map((e) => [e.key, e.payload])).toEqual([
      ['fiscal:r-1', { v: 1, scope: 'scope-a', receiptId: 'r-1', kind: 'sale', documentNumber: 1, total: '2.50' }],
      ['fiscal:r-1', { v: 1, scope: 'scope-a', receiptId: 'v-1', kind: 'void', documentNumber: 2, total: '2.50', refersTo: 'r-1' }],
    ]);
    const records = await pullAll(t);
    expect(records.get('receipts/r-1')).toMatchObject({ fiscalStatus: 'pending', voidedBy: 'v-1' });
    expect(records.get('receipts/v-1')).toMatchObject({ fiscalStatus: 'pending' });
  });

  it('a till cannot push the write-back or the callback mutation', async () => {
    t = startServer({ mutations: createReceiptHandlers({ fiscal: true }), collections: productsCollection });
    const response = await t.pushOk([
      create(1, 'r-1'),
      mutation(2, FISCAL_MUTATIONS.result, { receiptId: 'r-1', outcome: 'accepted', fiscalId: 'FORGED' }),
      mutation(3, FISCAL_MUTATIONS.submitted, { effectId: 'x', payload: { v: 1, scope: 'scope-a', receiptId: 'r-1', kind: 'sale', documentNumber: 1, total: null } }),
    ]);
    expect(response.outcomes.map(code)).toEqual(['applied', 'forbidden', 'forbidden']);
    expect((await pullAll(t)).get('receipts/r-1')).toMatchObject({ fiscalStatus: 'pending' });
  });

  it('without the option nothing is enqueued and receipts carry no fiscal status', async () => {
    t = startServer({ mutations: receiptHandlers, collections: productsCollection });
    await t.pushOk([create(1, 'r-1')]);
    expect(await t.server.effects.list()).toEqual([]);
    expect((await pullAll(t)).get('receipts/r-1')).not.toHaveProperty('fiscalStatus');
  });
});
