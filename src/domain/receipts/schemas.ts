/**
 * Shared validation of the e-receipt domain (zod, no Node built-ins): the same schemas refuse bad
 * input on the client before it is queued and on the server before it is applied.
 */
import * as z from 'zod/mini';
import type { CollectionPolicy } from '../../server/types.js';
import type { Shape } from '../../protocol/shape.js';
import { describeIssues, recordKey as recordKeyShape, wholeNumber as wholeNumberShape } from '../../protocol/wire.js';
import { decimalPattern } from './decimal.js';

export const RECEIPTS_COLLECTION = 'receipts';
export const PRODUCTS_COLLECTION = 'products';
export const RECEIPT_MUTATIONS = { create: 'receipts.create', void: 'receipts.void' } as const;
/** The per-scope counter both sales and voids take their documentNumber from. */
export const DOCUMENT_COUNTER = 'receipts';

/** Italian VAT: rates in percent, or a "natura" code N1–N6 for operations without VAT. */
export const VAT_CODES = ['4', '5', '10', '22', 'N1', 'N2', 'N3', 'N4', 'N5', 'N6'] as const;
export type VatCode = (typeof VAT_CODES)[number];

export const MAX_ITEMS = 200;

/** One of the protocol's shapes (wire.ts) inside these zod schemas, so a rule is stated once. */
function fromShape<T>(shape: Shape<T>) {
  return z.custom<T>().check((ctx) => {
    const parsed = shape.safeParse(ctx.value);
    for (const issue of parsed.error?.issues ?? []) ctx.issues.push({ code: 'custom', message: issue.message, path: issue.path, input: ctx.value });
  });
}
/** The protocol's record-key rule as a zod/mini schema, for the domain's own schemas. */
export const recordKey = fromShape(recordKeyShape);
const wholeNumber = (min: number) => fromShape(wholeNumberShape(min));

const quantity = z
  .string()
  .check(
    z.regex(decimalPattern(3), 'must be a decimal string with at most 3 decimals, e.g. "1" or "0.250"'),
    z.refine((q) => /[1-9]/.test(q), 'must be greater than zero'),
  );
const money = z.string().check(z.regex(decimalPattern(2), 'must be a decimal string with at most 2 decimals, e.g. "3.50"'));
/** Trimmed text of 1..max characters (the trim happens before the length checks). */
const text = (max: number) => z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(max, `must be at most ${max} characters`));
const wholeNonNegative = wholeNumber(0);

export const receiptItem = z.strictObject({
  description: text(200),
  quantity,
  /** Price per unit, VAT included (as printed on an Italian documento commerciale). */
  unitPrice: money,
  vat: z.literal(VAT_CODES, { error: `must be one of ${VAT_CODES.join(', ')}` }),
});
export type ReceiptItem = z.infer<typeof receiptItem>;

export const PAYMENT_METHODS = ['cash', 'electronic', 'other'] as const;
export const payment = z.strictObject({
  method: z.literal(PAYMENT_METHODS, { error: `must be one of ${PAYMENT_METHODS.join(', ')}` }),
  /** Amount tendered; at least the receipt total. Defaults to the total. */
  amount: z.optional(money),
});
export type Payment = z.infer<typeof payment>;

export const createReceiptArgs = z.strictObject({
  /** Client-generated key of the receipt record. */
  id: recordKey,
  items: z.array(receiptItem).check(z.minLength(1, 'a receipt needs at least one item'), z.maxLength(MAX_ITEMS, `a receipt has at most ${MAX_ITEMS} items`)),
  payment: z.optional(payment),
  /** Epoch milliseconds when the sale happened (client clock). */
  issuedAt: wholeNonNegative,
});
export type CreateReceiptArgs = z.infer<typeof createReceiptArgs>;

export const voidReceiptArgs = z.strictObject({
  /** Client-generated key of the new void document. */
  id: recordKey,
  /** Key of the sale being voided. */
  receiptId: recordKey,
  reason: z.optional(z.string().check(z.maxLength(500))),
  /** Epoch milliseconds of the void; the server uses the mutation's createdAt when absent. */
  issuedAt: z.optional(wholeNonNegative),
});
export type VoidReceiptArgs = z.infer<typeof voidReceiptArgs>;

/**
 * A catalogue product: writable with generic put/patch. Tills edit products concurrently, so the
 * collection merges field by field (`productsCollection`).
 */
export const product = z.strictObject({
  name: text(200),
  price: money,
  stock: wholeNumber(Number.MIN_SAFE_INTEGER),
});
export type Product = z.infer<typeof product>;

/**
 * Server collection policy for products: concurrent edits merge per field — the later price wins
 * (hybrid logical clock), stock changes add up as deltas (two tills selling never lose a sale), and a
 * renamed product keeps the server's name (a catalogue decision, not a till's).
 */
export const productsCollection = {
  [PRODUCTS_COLLECTION]: { writable: true, conflicts: { merge: { price: 'lww', stock: 'delta', name: 'server' } } },
} as const satisfies Record<string, CollectionPolicy>;

/** Validate `args`, or return a message naming each bad item and field. */
export function safeParseArgs<T>(schema: z.ZodMiniType<T>, args: unknown, mutationName: string): { ok: true; value: T } | { ok: false; message: string } {
  const parsed = schema.safeParse(args);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: `Invalid ${mutationName} args: ${describeIssues(parsed.error, args)}` };
}
