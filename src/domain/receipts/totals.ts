/**
 * Line totals, the VAT breakdown and the receipt total, in integer cents. Prices are VAT-included, so
 * the tax of each VAT code is extracted from its gross sum: tax = gross × rate / (100 + rate), rounded
 * half up once per code (not per line), as on an Italian documento commerciale.
 */
import type { JsonObject } from '../../protocol/json.js';
import { divideRounded, formatDecimal, parseDecimal } from './decimal.js';
import { VAT_CODES } from './schemas.js';
import type { CreateReceiptArgs, ReceiptItem, VatCode } from './schemas.js';

export interface ReceiptLine extends ReceiptItem {
  /** quantity × unitPrice, rounded to the cent. */
  lineTotal: string;
}

export interface VatBreakdownEntry {
  vat: VatCode;
  /** Gross amount (VAT included) of the lines with this code. */
  gross: string;
  /** Taxable base: gross − tax. */
  taxable: string;
  tax: string;
}

export interface ReceiptTotals {
  total: string;
  vatTotal: string;
  breakdown: VatBreakdownEntry[];
}

export interface PaymentSummary {
  method: string;
  amount: string;
  change: string;
}

export interface ComputedReceipt {
  items: ReceiptLine[];
  totals: ReceiptTotals;
  payment?: PaymentSummary;
}

export type ComputeResult = { ok: true; receipt: ComputedReceipt } | { ok: false; code: string; message: string };

export function computeReceipt(args: CreateReceiptArgs): ComputeResult {
  const lineCents = args.items.map((item) => divideRounded(parseDecimal(item.quantity, 3) * parseDecimal(item.unitPrice, 2), 1000n));
  const items = args.items.map((item, i): ReceiptLine => ({ ...item, lineTotal: formatDecimal(lineCents[i] ?? 0n, 2) }));
  const breakdown = vatBreakdown(args.items, lineCents);
  const totalCents = lineCents.reduce((sum, c) => sum + c, 0n);
  const vatCents = breakdown.reduce((sum, e) => sum + e.taxCents, 0n);
  const totals: ReceiptTotals = {
    total: formatDecimal(totalCents, 2),
    vatTotal: formatDecimal(vatCents, 2),
    breakdown: breakdown.map((e) => e.entry),
  };
  if (args.payment === undefined) return { ok: true, receipt: { items, totals } };
  const paidCents = args.payment.amount === undefined ? totalCents : parseDecimal(args.payment.amount, 2);
  if (paidCents < totalCents) {
    return { ok: false, code: 'insufficient-payment', message: `payment.amount: ${formatDecimal(paidCents, 2)} is less than the receipt total ${totals.total}.` };
  }
  const paymentSummary = { method: args.payment.method, amount: formatDecimal(paidCents, 2), change: formatDecimal(paidCents - totalCents, 2) };
  return { ok: true, receipt: { items, totals, payment: paymentSummary } };
}

function vatBreakdown(items: ReceiptItem[], lineCents: bigint[]): Array<{ entry: VatBreakdownEntry; taxCents: bigint }> {
  const grossByCode = new Map<VatCode, bigint>();
  items.forEach((item, i) => grossByCode.set(item.vat, (grossByCode.get(item.vat) ?? 0n) + (lineCents[i] ?? 0n)));
  return VAT_CODES.filter((code) => grossByCode.has(code)).map((code) => {
    const gross = grossByCode.get(code) ?? 0n;
    const taxCents = code.startsWith('N') ? 0n : divideRounded(gross * BigInt(code), 100n + BigInt(code));
    const entry = { vat: code, gross: formatDecimal(gross, 2), taxable: formatDecimal(gross - taxCents, 2), tax: formatDecimal(taxCents, 2) };
    return { entry, taxCents };
  });
}

/** The computed receipt as a JSON object (drops nothing; interfaces are not index-signature types). */
export function receiptJson(receipt: ComputedReceipt): JsonObject {
  return JSON.parse(JSON.stringify(receipt)) as JsonObject;
}
