/**
 * Shared validation of the e-receipt domain (the protocol's hand-written shapes, no Node built-ins):
 * the same schemas refuse bad input on the client before it is queued and on the server before it is
 * applied. The exported schemas also speak Standard Schema (`~standard`), so an app can hand them to
 * `defineCollection` or any Standard Schema consumer, as it could when they were zod schemas.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { CollectionPolicy } from '../../server/types.js';
import * as z from '../../protocol/shape.js';
import { describeIssues, lengthIn, matching, recordKey as recordKeyShape, wholeNumber } from '../../protocol/wire.js';
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

/** A shape that is also a Standard Schema (v1), for the schemas the domain exports. */
export type DomainSchema<S extends z.Shape<unknown>> = S & StandardSchemaV1<unknown, z.Infer<S>>;

export function standard<S extends z.Shape<unknown>>(shape: S): DomainSchema<S> {
  type T = z.Infer<S>;
  const validate = (value: unknown): StandardSchemaV1.Result<T> => {
    const parsed = shape.safeParse(value);
    return parsed.success ? { value: parsed.data as T } : { issues: parsed.error.issues.map((i) => ({ message: i.message, path: i.path })) };
  };
  return { ...shape, '~standard': { version: 1, vendor: 'syncline', validate } };
}

/** The protocol's record-key rule, for the domain's own schemas. */
export const recordKey = recordKeyShape;

/** One of `values`, refused with `message` (the list users see), not the generic literal wording. */
function oneOf<const V extends readonly string[]>(values: V, message: string): z.Shape<V[number]> {
  return z.custom((value, issues) => {
    if (!values.includes(value as string)) issues.push({ code: 'invalid_value', path: [], message });
    return value as V[number];
  });
}

const quantity = z.refine(
  matching(decimalPattern(3), 'must be a decimal string with at most 3 decimals, e.g. "1" or "0.250"'),
  (q) => /[1-9]/.test(q),
  'must be greater than zero',
);
const money = matching(decimalPattern(2), 'must be a decimal string with at most 2 decimals, e.g. "3.50"');

/** A string, trimmed (what the length rules and the stored value see). */
const trimmed = z.custom<string>((value, issues) => {
  const before = issues.length;
  const out = z.string().run(value, issues);
  return issues.length === before ? out.trim() : out;
});
/** Trimmed text of 1..max characters (the trim happens before the length checks). */
const text = (max: number) => z.refine(z.refine(trimmed, (t) => t.length >= 1, 'must not be empty'), (t) => t.length <= max, `must be at most ${max} characters`);
const wholeNonNegative = wholeNumber(0);

const receiptItemShape = z.strictObject({
  description: text(200),
  quantity,
  /** Price per unit, VAT included (as printed on an Italian documento commerciale). */
  unitPrice: money,
  vat: oneOf(VAT_CODES, `must be one of ${VAT_CODES.join(', ')}`),
});
export const receiptItem = standard(receiptItemShape);
export type ReceiptItem = z.Infer<typeof receiptItem>;

export const PAYMENT_METHODS = ['cash', 'electronic', 'other'] as const;
const paymentShape = z.strictObject({
  method: oneOf(PAYMENT_METHODS, `must be one of ${PAYMENT_METHODS.join(', ')}`),
  /** Amount tendered; at least the receipt total. Defaults to the total. */
  amount: z.optional(money),
});
export const payment = standard(paymentShape);
export type Payment = z.Infer<typeof payment>;

const createReceiptArgsShape = z.strictObject({
  /** Client-generated key of the receipt record. */
  id: recordKey,
  items: z.refine(
    z.refine(z.array(receiptItemShape), (items) => items.length >= 1, 'a receipt needs at least one item'),
    (items) => items.length <= MAX_ITEMS,
    `a receipt has at most ${MAX_ITEMS} items`,
  ),
  payment: z.optional(paymentShape),
  /** Epoch milliseconds when the sale happened (client clock). */
  issuedAt: wholeNonNegative,
});
export const createReceiptArgs = standard(createReceiptArgsShape);
export type CreateReceiptArgs = z.Infer<typeof createReceiptArgs>;

const voidReceiptArgsShape = z.strictObject({
  /** Client-generated key of the new void document. */
  id: recordKey,
  /** Key of the sale being voided. */
  receiptId: recordKey,
  reason: z.optional(lengthIn(z.string(), 0, 500)),
  /** Epoch milliseconds of the void; the server uses the mutation's createdAt when absent. */
  issuedAt: z.optional(wholeNonNegative),
});
export const voidReceiptArgs = standard(voidReceiptArgsShape);
export type VoidReceiptArgs = z.Infer<typeof voidReceiptArgs>;

/**
 * A catalogue product: writable with generic put/patch. Tills edit products concurrently, so the
 * collection merges field by field (`productsCollection`).
 */
const productShape = z.strictObject({
  name: text(200),
  price: money,
  stock: wholeNumber(Number.MIN_SAFE_INTEGER),
});
export const product = standard(productShape);
export type Product = z.Infer<typeof product>;

/**
 * Server collection policy for products: concurrent edits merge per field — the later price wins
 * (hybrid logical clock), stock changes add up as deltas (two tills selling never lose a sale), and a
 * renamed product keeps the server's name (a catalogue decision, not a till's).
 */
export const productsCollection = {
  [PRODUCTS_COLLECTION]: { writable: true, conflicts: { merge: { price: 'lww', stock: 'delta', name: 'server' } } },
} as const satisfies Record<string, CollectionPolicy>;

/** Validate `args`, or return a message naming each bad item and field. */
export function safeParseArgs<T>(schema: z.Shape<T>, args: unknown, mutationName: string): { ok: true; value: T } | { ok: false; message: string } {
  const parsed = schema.safeParse(args);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: `Invalid ${mutationName} args: ${describeIssues(parsed.error, args)}` };
}
