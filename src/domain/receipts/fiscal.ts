/**
 * Fiscal registration of receipt documents (opt-in): a sale or void enqueues `fiscal.register` in its
 * own transaction, the effect's write-back marks the document `submitted`, and the fiscal service's
 * signed callback (an incoming webhook) marks it `registered` with its `fiscalId`, or `refused`.
 *
 *   pending ──write-back──▶ submitted ──callback──▶ registered | refused
 *      └──────────────callback (may arrive first)───────▲
 *
 * The callback may overtake the write-back (the service answers slowly, the effect times out and is
 * retried later), so the write-back never moves a document back from a final status. Both handlers
 * set fields rather than append, so running one again changes nothing.
 */
import * as z from '../../protocol/shape.js';
import { lengthIn } from '../../protocol/wire.js';
import type { JsonObject, JsonValue } from '../../protocol/json.js';
import { MutationRejection } from '../../server/mutation-rejection.js';
import type { MutationContext, MutationHandler } from '../../server/types.js';
import { RECEIPTS_COLLECTION, recordKey, safeParseArgs, standard } from './schemas.js';

export const FISCAL_EFFECT = 'fiscal.register';
export const FISCAL_MUTATIONS = { submitted: 'receipts.fiscalSubmitted', result: 'receipts.fiscalResult' } as const;
export const FISCAL_STATUSES = ['pending', 'submitted', 'registered', 'refused'] as const;
export type FiscalStatus = (typeof FISCAL_STATUSES)[number];
/** Statuses only the fiscal service's callback sets; nothing moves a document out of them. */
const FINAL: ReadonlySet<unknown> = new Set<FiscalStatus>(['registered', 'refused']);

// The reserved clientIds of server-side writes (src/server/effects/index.ts, incoming-webhooks/route.ts):
// repeated here as strings so the domain does not import the server's effect and webhook internals.
const EFFECT_ORIGIN = 'syncline:effect';
const WEBHOOK_ORIGIN = 'syncline:webhook';

/** What a document asks the fiscal service to register (the effect's payload, versioned). */
export const fiscalRegistration = standard(z.strictObject({
  v: z.literal(1),
  /** The sync scope (shop) the document lives in, echoed back in the callback. */
  scope: lengthIn(z.string(), 1, 256),
  receiptId: recordKey,
  kind: z.literal('sale', 'void'),
  documentNumber: z.number(),
  total: z.nullable(z.string()),
  refersTo: z.optional(recordKey),
}));
export type FiscalRegistration = z.Infer<typeof fiscalRegistration>;

/** The fiscal service's callback as the incoming-webhook source hands it to `receipts.fiscalResult`. */
export const fiscalResultArgs = standard(z.strictObject({
  receiptId: recordKey,
  outcome: z.literal('accepted', 'refused'),
  fiscalId: lengthIn(z.string(), 1, 128),
  reason: z.optional(lengthIn(z.string(), 0, 500)),
}));
export type FiscalResultArgs = z.Infer<typeof fiscalResultArgs>;

/** The write-back's args as the effect worker passes them (`{ effectId, name, key, payload, result }`). */
const writeBackArgs = z.object({ effectId: z.string(), payload: fiscalRegistration });

/** Called by the sale and void handlers: the document starts `pending` and its registration is queued. */
export async function enqueueFiscalRegistration(ctx: MutationContext, receiptId: string, record: JsonObject): Promise<JsonObject> {
  const totals = record['totals'];
  const total = totals !== null && typeof totals === 'object' && !Array.isArray(totals) && typeof totals['total'] === 'string' ? totals['total'] : null;
  const payload: JsonObject = {
    v: 1,
    scope: ctx.scope,
    receiptId,
    kind: record['kind'] === 'void' ? 'void' : 'sale',
    documentNumber: Number(record['documentNumber']),
    total,
    ...(typeof record['refersTo'] === 'string' ? { refersTo: record['refersTo'] } : {}),
  } satisfies FiscalRegistration;
  // Keyed by the sale: a void is registered after the sale it voids, and unrelated documents do not
  // wait behind one another's retries.
  const sale = typeof record['refersTo'] === 'string' ? record['refersTo'] : receiptId;
  await ctx.enqueue(FISCAL_EFFECT, payload, { key: `fiscal:${sale}` });
  return { ...record, fiscalStatus: 'pending' };
}

async function fiscalSubmitted(ctx: MutationContext, raw: JsonValue): Promise<JsonValue> {
  assertOrigin(ctx, EFFECT_ORIGIN, FISCAL_MUTATIONS.submitted);
  const { payload } = parse(writeBackArgs, raw, FISCAL_MUTATIONS.submitted);
  const current = await readDocument(ctx, payload.receiptId);
  if (current['fiscalStatus'] !== 'pending') return { fiscalStatus: current['fiscalStatus'] ?? null };
  await ctx.put(RECEIPTS_COLLECTION, payload.receiptId, { ...current, fiscalStatus: 'submitted' });
  return { fiscalStatus: 'submitted' };
}

async function fiscalResult(ctx: MutationContext, raw: JsonValue): Promise<JsonValue> {
  assertOrigin(ctx, WEBHOOK_ORIGIN, FISCAL_MUTATIONS.result);
  const args = parse(fiscalResultArgs, raw, FISCAL_MUTATIONS.result);
  const current = await readDocument(ctx, args.receiptId);
  const fiscalStatus: FiscalStatus = args.outcome === 'accepted' ? 'registered' : 'refused';
  const next: JsonObject = { ...current, fiscalStatus, fiscalId: args.fiscalId };
  if (args.reason !== undefined) next['fiscalReason'] = args.reason;
  if (FINAL.has(current['fiscalStatus']) && current['fiscalId'] === args.fiscalId && current['fiscalStatus'] === fiscalStatus) return { fiscalStatus };
  await ctx.put(RECEIPTS_COLLECTION, args.receiptId, next);
  return { fiscalStatus };
}

/** Only the server's effect worker and the fiscal source's webhook may set fiscal fields, never a till. */
function assertOrigin(ctx: MutationContext, origin: string, name: string): void {
  if (ctx.clientId !== origin) throw new MutationRejection('forbidden', `${name} is run by the server (${origin}), not pushed by a client.`);
}

async function readDocument(ctx: MutationContext, receiptId: string): Promise<JsonObject> {
  const current = await ctx.get(RECEIPTS_COLLECTION, receiptId);
  if (current === undefined) throw new MutationRejection('unknown-receipt', `receiptId: no receipt document "${receiptId}" exists in this scope.`);
  return current;
}

function parse<T>(schema: z.Shape<T>, raw: JsonValue, name: string): T {
  const parsed = safeParseArgs(schema, raw, name);
  if (!parsed.ok) throw new MutationRejection('invalid-args', parsed.message);
  return parsed.value;
}

/** The write-back and callback mutations; add them to `mutations` next to the receipt handlers. */
export const fiscalHandlers: Record<string, MutationHandler> = {
  [FISCAL_MUTATIONS.submitted]: fiscalSubmitted,
  [FISCAL_MUTATIONS.result]: fiscalResult,
};
