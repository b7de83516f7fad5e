/**
 * `syncline/receipts`: the e-receipt example domain — shared validation and totals (client and
 * server), server mutation handlers and client optimistic mutators.
 */
export {
  RECEIPTS_COLLECTION,
  PRODUCTS_COLLECTION,
  RECEIPT_MUTATIONS,
  DOCUMENT_COUNTER,
  VAT_CODES,
  MAX_ITEMS,
  PAYMENT_METHODS,
  receiptItem,
  payment,
  createReceiptArgs,
  voidReceiptArgs,
  product,
  productsCollection,
} from './domain/receipts/schemas.js';
export type { VatCode, ReceiptItem, Payment, CreateReceiptArgs, VoidReceiptArgs, Product } from './domain/receipts/schemas.js';
export { computeReceipt } from './domain/receipts/totals.js';
export type { ComputedReceipt, ComputeResult, ReceiptLine, ReceiptTotals, VatBreakdownEntry, PaymentSummary } from './domain/receipts/totals.js';
export { parseDecimal, formatDecimal } from './domain/receipts/decimal.js';
export { receiptHandlers } from './domain/receipts/server-handlers.js';
export { receiptMutators } from './domain/receipts/client-mutators.js';
export type { LocalMutator, ViewReader } from './core/mutators.js';
