/**
 * Client-side optimistic effects of the e-receipt mutations: what the user sees until the server's
 * confirmed documents (with their documentNumber) arrive by pull.
 */
import { InvalidArgumentError } from '../../core/errors.js';
import type { JsonObject, JsonValue } from '../../protocol/json.js';
import type * as z from '../../protocol/shape.js';
import { createReceiptArgs, RECEIPT_MUTATIONS, RECEIPTS_COLLECTION, safeParseArgs, voidReceiptArgs } from './schemas.js';
import { computeReceipt, receiptJson } from './totals.js';

import type { LocalMutator } from '../../core/mutators.js';

const createReceiptLocally: LocalMutator = async (raw, view) => {
  const args = parse(createReceiptArgs, raw, RECEIPT_MUTATIONS.create);
  const computed = computeReceipt(args);
  if (!computed.ok) throw new InvalidArgumentError(computed.message, { details: { code: computed.code } });
  if ((await view.get(RECEIPTS_COLLECTION, args.id)) !== undefined) {
    throw new InvalidArgumentError(`id: a receipt document with key "${args.id}" already exists; generate a new id.`);
  }
  const value: JsonObject = { kind: 'sale', status: 'pending', documentNumber: null, ...receiptJson(computed.receipt), issuedAt: args.issuedAt };
  return [{ op: 'put', collection: RECEIPTS_COLLECTION, key: args.id, value }];
};

const voidReceiptLocally: LocalMutator = async (raw, view) => {
  const args = parse(voidReceiptArgs, raw, RECEIPT_MUTATIONS.void);
  // A receipt this device has not pulled yet (sold on another till) can still be voided: the server
  // decides. Only what the device knows to be wrong is refused here.
  const original = await view.get(RECEIPTS_COLLECTION, args.receiptId);
  if (original !== undefined && original.kind !== 'sale') {
    throw new InvalidArgumentError(`receiptId: "${args.receiptId}" is a ${String(original.kind)} document; only sales can be voided.`);
  }
  if (typeof original?.voidedBy === 'string') {
    throw new InvalidArgumentError(`receiptId: receipt "${args.receiptId}" was already voided by "${original.voidedBy}".`);
  }
  const voidDoc: JsonObject = {
    kind: 'void',
    status: 'pending',
    documentNumber: null,
    refersTo: args.receiptId,
    refersToDocumentNumber: original?.documentNumber ?? null,
    totals: original?.totals ?? null,
    ...(args.reason === undefined ? {} : { reason: args.reason }),
    issuedAt: args.issuedAt ?? null,
  };
  const markOriginal = original === undefined ? [] : [{ op: 'patch' as const, collection: RECEIPTS_COLLECTION, key: args.receiptId, fields: { voidedBy: args.id } }];
  return [{ op: 'put', collection: RECEIPTS_COLLECTION, key: args.id, value: voidDoc }, ...markOriginal];
};

function parse<T>(schema: z.Shape<T>, raw: JsonValue, name: string): T {
  const parsed = safeParseArgs(schema, raw, name);
  if (!parsed.ok) throw new InvalidArgumentError(parsed.message);
  return parsed.value;
}

export const receiptMutators: Record<string, LocalMutator> = {
  [RECEIPT_MUTATIONS.create]: createReceiptLocally,
  [RECEIPT_MUTATIONS.void]: voidReceiptLocally,
};
