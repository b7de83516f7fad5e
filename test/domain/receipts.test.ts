import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSynclineError } from '../../src/core/errors.js';
import type { JsonValue } from '../../src/protocol/json.js';
import { defineCollection } from '../../src/core/typed-collection.js';
import { computeReceipt, createReceiptArgs, formatDecimal, parseDecimal, product, receiptMutators, voidReceiptArgs } from '../../src/receipts.js';
import type { CreateReceiptArgs } from '../../src/receipts.js';

const sale = (items: CreateReceiptArgs['items'], extra: Partial<CreateReceiptArgs> = {}): CreateReceiptArgs => ({
  id: 'r-1',
  items,
  issuedAt: 1_700_000_000_000,
  ...extra,
});

function totalsOf(args: CreateReceiptArgs) {
  const result = computeReceipt(args);
  if (!result.ok) throw new Error(result.message);
  return result.receipt;
}

const emptyView = { get: async () => undefined };

describe('receipt totals (integer arithmetic)', () => {
  it('computes line totals, the VAT breakdown per code and the total', () => {
    const receipt = totalsOf(
      sale([
        { description: 'Caffè', quantity: '2', unitPrice: '1.10', vat: '10' },
        { description: 'Acqua', quantity: '0.333', unitPrice: '0.10', vat: '22' },
        { description: 'Libro', quantity: '1', unitPrice: '12.20', vat: '22' },
        { description: 'Francobollo', quantity: '1', unitPrice: '1.20', vat: 'N2' },
      ]),
    );
    expect(receipt.items.map((i) => i.lineTotal)).toEqual(['2.20', '0.03', '12.20', '1.20']);
    expect(receipt.totals.breakdown).toEqual([
      { vat: '10', gross: '2.20', taxable: '2.00', tax: '0.20' },
      { vat: '22', gross: '12.23', taxable: '10.02', tax: '2.21' },
      { vat: 'N2', gross: '1.20', taxable: '1.20', tax: '0.00' },
    ]);
    expect(receipt.totals).toMatchObject({ total: '15.63', vatTotal: '2.41' });
  });

  it('adds amounts that floats get wrong exactly', () => {
    const items = Array.from({ length: 10 }, () => ({ description: 'x', quantity: '1', unitPrice: '0.10', vat: '22' as const }));
    expect(totalsOf(sale(items)).totals.total).toBe('1.00');
  });

  it('computes change and refuses an insufficient payment', () => {
    const items = [{ description: 'x', quantity: '1', unitPrice: '4.50', vat: '22' as const }];
    expect(totalsOf(sale(items, { payment: { method: 'cash', amount: '5' } })).payment).toEqual({ method: 'cash', amount: '5.00', change: '0.50' });
    const short = computeReceipt(sale(items, { payment: { method: 'cash', amount: '4.49' } }));
    expect(short).toMatchObject({ ok: false, code: 'insufficient-payment' });
  });

  it('round-trips decimals and agrees with a cent-level reference for any quantity and price', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99_999_999 }), fc.integer({ min: 0, max: 9_999_999 }), (milli, cents) => {
        const quantity = formatDecimal(BigInt(milli), 3);
        const unitPrice = formatDecimal(BigInt(cents), 2);
        expect(parseDecimal(quantity, 3)).toBe(BigInt(milli));
        const line = totalsOf(sale([{ description: 'x', quantity, unitPrice, vat: '4' }])).items[0]?.lineTotal;
        const exact = BigInt(milli) * BigInt(cents); // in 1/1000 cent
        const expected = exact / 1000n + (exact % 1000n >= 500n ? 1n : 0n);
        expect(line).toBe(formatDecimal(expected, 2));
      }),
    );
  });
});

describe('receipt validation', () => {
  const item = { description: 'Pane', quantity: '1', unitPrice: '2.00', vat: '4' };
  const messageFor = (args: JsonValue): string => {
    const parsed = createReceiptArgs.safeParse(args);
    if (parsed.success) throw new Error('expected a failure');
    return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };

  it('names the item and field that is wrong', () => {
    expect(messageFor({ id: 'r', issuedAt: 1, items: [item, { ...item, unitPrice: '2.005' }] })).toContain('items.1.unitPrice: must be a decimal string with at most 2 decimals');
    expect(messageFor({ id: 'r', issuedAt: 1, items: [{ ...item, quantity: '0' }] })).toContain('items.0.quantity: must be greater than zero');
    expect(messageFor({ id: 'r', issuedAt: 1, items: [{ ...item, vat: '21' }] })).toContain('items.0.vat: must be one of 4, 5, 10, 22, N1');
    expect(messageFor({ id: 'r', issuedAt: 1, items: [{ ...item, unitPrice: 2 }] })).toContain('items.0.unitPrice');
    expect(messageFor({ id: 'r', issuedAt: 1, items: [] })).toContain('at least one item');
    expect(messageFor({ id: 'r', issuedAt: 1, items: Array.from({ length: 201 }, () => item) })).toContain('at most 200 items');
  });
});

describe('the domain schemas as Standard Schema', () => {
  it('validate through ~standard (e.g. as a defineCollection schema), trimming text and naming bad fields', async () => {
    const products = defineCollection('products', product);
    expect(await products.schema['~standard'].validate({ name: '  Pane ', price: '1.20', stock: -3 })).toEqual({ value: { name: 'Pane', price: '1.20', stock: -3 } });
    const bad = await product['~standard'].validate({ name: '   ', price: '1.234', stock: 1.5, colour: 'red' });
    expect('issues' in bad && bad.issues?.map((i) => `${(i.path ?? []).join('.')}: ${i.message}`)).toEqual([
      'name: must not be empty',
      'price: must be a decimal string with at most 2 decimals, e.g. "3.50"',
      'stock: must be a whole number',
      ': Unrecognized key: "colour"',
    ]);
    const longReason = await voidReceiptArgs['~standard'].validate({ id: 'v', receiptId: 'r', reason: 'x'.repeat(501) });
    expect('issues' in longReason && longReason.issues?.map((i) => i.path?.join('.'))).toEqual(['reason']);
  });
});

describe('receiptMutators (client, optimistic)', () => {
  const args = { id: 'r-1', issuedAt: 5, items: [{ description: 'Pane', quantity: '2', unitPrice: '1.50', vat: '4' }] };

  it('receipts.create puts a pending sale with locally computed totals and no number', async () => {
    const ops = await receiptMutators['receipts.create']?.(args, emptyView);
    expect(ops).toEqual([
      {
        op: 'put',
        collection: 'receipts',
        key: 'r-1',
        value: expect.objectContaining({ kind: 'sale', status: 'pending', documentNumber: null, issuedAt: 5, totals: expect.objectContaining({ total: '3.00' }) }),
      },
    ]);
  });

  it('refuses invalid args with InvalidArgumentError naming the field', async () => {
    const bad = { ...args, items: [{ ...args.items[0], quantity: 'two' }] };
    const error = await Promise.resolve(receiptMutators['receipts.create']?.(bad, emptyView)).catch((e: unknown) => e);
    expect(isSynclineError(error) && error.code).toBe('invalid-argument');
    expect((error as Error).message).toContain('items.0.quantity');
  });

  it('receipts.void puts a pending void and links the original', async () => {
    const original = { kind: 'sale', status: 'pending', documentNumber: null, totals: { total: '3.00' } };
    const view = { get: async (_c: string, key: string) => (key === 'r-1' ? original : undefined) };
    const ops = await receiptMutators['receipts.void']?.({ id: 'v-1', receiptId: 'r-1', reason: 'typo' }, view);
    expect(ops).toEqual([
      { op: 'put', collection: 'receipts', key: 'v-1', value: expect.objectContaining({ kind: 'void', status: 'pending', refersTo: 'r-1', reason: 'typo', documentNumber: null }) },
      { op: 'patch', collection: 'receipts', key: 'r-1', fields: { voidedBy: 'v-1' } },
    ]);
  });

  it('receipts.void queues a void of a receipt this device has not seen (the server decides)', async () => {
    const ops = await receiptMutators['receipts.void']?.({ id: 'v-2', receiptId: 'r-9' }, emptyView);
    expect(ops).toEqual([{ op: 'put', collection: 'receipts', key: 'v-2', value: expect.objectContaining({ kind: 'void', refersTo: 'r-9' }) }]);
  });

  it('receipts.void refuses voids and already-voided receipts it knows of', async () => {
    const voidArgs = { id: 'v-2', receiptId: 'r-1' };
    const aVoid = { get: async () => ({ kind: 'void' }) };
    await expect(Promise.resolve(receiptMutators['receipts.void']?.(voidArgs, aVoid))).rejects.toThrow(/only sales can be voided/);
    const voided = { get: async () => ({ kind: 'sale', voidedBy: 'v-1' }) };
    await expect(Promise.resolve(receiptMutators['receipts.void']?.(voidArgs, voided))).rejects.toThrow(/already voided/);
  });
});
