/**
 * Server handlers of the e-receipt mutations. They run inside the push transaction: a rejection rolls
 * back everything, including the documentNumber counter, so numbers stay gap-free.
 */
import type { JsonObject, JsonValue } from '../../protocol/json.js';
import { MutationRejection } from '../../server/mutation-rejection.js';
import type { MutationContext, MutationHandler } from '../../server/types.js';
import { createReceiptArgs, DOCUMENT_COUNTER, RECEIPT_MUTATIONS, RECEIPTS_COLLECTION, safeParseArgs, voidReceiptArgs } from './schemas.js';
import type * as z from '../../protocol/shape.js';
import { computeReceipt, receiptJson } from './totals.js';
import { enqueueFiscalRegistration, fiscalHandlers } from './fiscal.js';

/** Options of `createReceiptHandlers`. */
export interface ReceiptHandlerOptions {
  /**
   * Register every document with the fiscal service: each sale and void enqueues `fiscal.register`
   * in its own transaction and starts `fiscalStatus: 'pending'` (see fiscal.ts). The server then needs
   * an effect handler for `fiscal.register` whose write-back is `receipts.fiscalSubmitted`, and an
   * incoming-webhook source that turns the service's callback into `receipts.fiscalResult`.
   */
  fiscal?: boolean;
}

type Finish = (ctx: MutationContext, id: string, record: JsonObject) => Promise<JsonObject>;
const asIs: Finish = async (_ctx, _id, record) => record;

async function createReceipt(ctx: MutationContext, raw: JsonValue, finish: Finish): Promise<JsonValue> {
  const args = parse(createReceiptArgs, raw, RECEIPT_MUTATIONS.create);
  const computed = computeReceipt(args);
  if (!computed.ok) throw new MutationRejection(computed.code, computed.message);
  await assertKeyFree(ctx, args.id);
  const documentNumber = await ctx.nextCounter(DOCUMENT_COUNTER);
  const record: JsonObject = {
    kind: 'sale',
    status: 'issued',
    documentNumber,
    ...receiptJson(computed.receipt),
    issuedAt: args.issuedAt,
    clientId: ctx.clientId,
    mutationId: ctx.mutationId,
  };
  await ctx.put(RECEIPTS_COLLECTION, args.id, await finish(ctx, args.id, record));
  return { documentNumber };
}

async function voidReceipt(ctx: MutationContext, raw: JsonValue, finish: Finish): Promise<JsonValue> {
  const args = parse(voidReceiptArgs, raw, RECEIPT_MUTATIONS.void);
  const original = await ctx.get(RECEIPTS_COLLECTION, args.receiptId);
  if (original === undefined || original.kind !== 'sale') {
    throw new MutationRejection('unknown-receipt', `receiptId: no sale receipt "${args.receiptId}" exists in this scope.`);
  }
  if (typeof original.voidedBy === 'string') {
    throw new MutationRejection('already-voided', `receiptId: receipt "${args.receiptId}" was already voided by "${original.voidedBy}".`);
  }
  await assertKeyFree(ctx, args.id);
  const documentNumber = await ctx.nextCounter(DOCUMENT_COUNTER);
  await ctx.put(RECEIPTS_COLLECTION, args.id, await finish(ctx, args.id, {
    kind: 'void',
    status: 'issued',
    documentNumber,
    refersTo: args.receiptId,
    refersToDocumentNumber: original.documentNumber ?? null,
    totals: original.totals ?? null,
    ...(args.reason === undefined ? {} : { reason: args.reason }),
    issuedAt: args.issuedAt ?? ctx.createdAt,
    clientId: ctx.clientId,
    mutationId: ctx.mutationId,
  }));
  // Only the link is added: the fiscal content of the original document never changes.
  await ctx.put(RECEIPTS_COLLECTION, args.receiptId, { ...original, voidedBy: args.id });
  return { documentNumber };
}

async function assertKeyFree(ctx: MutationContext, id: string): Promise<void> {
  if ((await ctx.get(RECEIPTS_COLLECTION, id)) !== undefined) {
    throw new MutationRejection('duplicate-receipt', `id: a receipt document with key "${id}" already exists; generate a new id.`);
  }
}

function parse<T>(schema: z.Shape<T>, raw: JsonValue, name: string): T {
  const parsed = safeParseArgs(schema, raw, name);
  if (!parsed.ok) throw new MutationRejection('invalid-args', parsed.message);
  return parsed.value;
}

/** The receipt mutations, optionally with fiscal registration (then also its write-back and callback mutations). */
export function createReceiptHandlers(options: ReceiptHandlerOptions = {}): Record<string, MutationHandler> {
  const finish = options.fiscal === true ? enqueueFiscalRegistration : asIs;
  return {
    [RECEIPT_MUTATIONS.create]: (ctx, raw) => createReceipt(ctx, raw, finish),
    [RECEIPT_MUTATIONS.void]: (ctx, raw) => voidReceipt(ctx, raw, finish),
    ...(options.fiscal === true ? fiscalHandlers : {}),
  };
}

export const receiptHandlers: Record<string, MutationHandler> = createReceiptHandlers();
