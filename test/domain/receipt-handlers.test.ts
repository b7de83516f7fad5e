import { afterEach, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/protocol/json.js';
import type { MutationOutcome } from '../../src/protocol/wire.js';
import { productsCollection, receiptHandlers } from '../../src/receipts.js';
import { mutation, pullAll, startServer } from '../server/helpers.js';
import type { TestServer } from '../server/helpers.js';

let t: TestServer;
afterEach(async () => {
  await t.cleanup();
});

const start = (): TestServer => startServer({ mutations: receiptHandlers, collections: productsCollection });
const item = { description: 'Pane', quantity: '1', unitPrice: '2.50', vat: '4' };
const create = (id: number, key: string, extra: Record<string, JsonValue> = {}) =>
  mutation(id, 'receipts.create', { id: key, items: [item], issuedAt: 1000 + id, ...extra });
const voidOf = (id: number, key: string, receiptId: string) => mutation(id, 'receipts.void', { id: key, receiptId, reason: 'wrong item' });
const summary = (o: MutationOutcome | undefined) => (o?.status === 'rejected' ? o.code : o?.result);

describe('receipt handlers on the server', () => {
  it('stores a sale with a documentNumber, totals and provenance', async () => {
    t = start();
    const response = await t.pushOk([create(1, 'r-1')]);
    expect(response.outcomes[0]).toMatchObject({ status: 'applied', result: { documentNumber: 1 } });
    const record = (await pullAll(t)).get('receipts/r-1');
    expect(record).toMatchObject({
      kind: 'sale',
      status: 'issued',
      documentNumber: 1,
      items: [{ ...item, lineTotal: '2.50' }],
      totals: { total: '2.50', vatTotal: '0.10', breakdown: [{ vat: '4', gross: '2.50', taxable: '2.40', tax: '0.10' }] },
      issuedAt: 1001,
      clientId: 'client-aaaa-0001',
      mutationId: 1,
    });
  });

  it('keeps document numbers gap-free when creates and voids are rejected in between', async () => {
    t = start();
    const response = await t.pushOk([
      create(1, 'r-1'),
      create(2, 'r-bad', { items: [{ ...item, unitPrice: '-1' }] }),
      create(3, 'r-1'), // duplicate key
      create(4, 'r-pay', { payment: { method: 'cash', amount: '1.00' } }), // insufficient payment
      voidOf(5, 'v-x', 'missing'),
      create(6, 'r-2'),
      voidOf(7, 'v-1', 'r-1'),
      create(8, 'r-3'),
    ]);
    expect(response.outcomes.map(summary)).toEqual([
      { documentNumber: 1 },
      'invalid-args',
      'duplicate-receipt',
      'insufficient-payment',
      'unknown-receipt',
      { documentNumber: 2 },
      { documentNumber: 3 },
      { documentNumber: 4 },
    ]);
    const invalid = response.outcomes[1];
    expect(invalid?.status === 'rejected' && invalid.message).toContain('items.0.unitPrice');
  });

  it('numbers documents per scope', async () => {
    t = start();
    await t.pushOk([create(1, 'r-1')]);
    const other = await t.pushOk([create(1, 'r-1')], { clientId: 'client-bbbb-0001', token: 'token-b' });
    expect(summary(other.outcomes[0])).toEqual({ documentNumber: 1 });
  });

  it('voids a sale once: a void document plus voidedBy on the untouched original', async () => {
    t = start();
    await t.pushOk([create(1, 'r-1')]);
    const before = (await pullAll(t)).get('receipts/r-1') as Record<string, JsonValue>;
    const response = await t.pushOk([voidOf(2, 'v-1', 'r-1'), voidOf(3, 'v-2', 'r-1'), voidOf(4, 'v-3', 'v-1')]);
    expect(response.outcomes.map(summary)).toEqual([{ documentNumber: 2 }, 'already-voided', 'unknown-receipt']);
    const state = await pullAll(t);
    expect(state.get('receipts/r-1')).toEqual({ ...before, voidedBy: 'v-1' });
    expect(state.get('receipts/v-1')).toMatchObject({
      kind: 'void',
      documentNumber: 2,
      refersTo: 'r-1',
      refersToDocumentNumber: 1,
      reason: 'wrong item',
      totals: before.totals ?? null,
    });
    expect(state.has('receipts/v-2')).toBe(false);
  });

  it('refuses generic writes to receipts but accepts them for products', async () => {
    t = start();
    const response = await t.pushOk([
      mutation(1, 'put', { collection: 'receipts', key: 'forged', value: { kind: 'sale' }, baseVersion: null }),
      mutation(2, 'put', { collection: 'products', key: 'p-1', value: { name: 'Pane', price: '2.50', stock: 10 }, baseVersion: null }),
    ]);
    expect(response.outcomes.map((o) => o.status)).toEqual(['rejected', 'applied']);
  });
});
