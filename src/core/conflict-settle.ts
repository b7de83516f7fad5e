/**
 * Settling a push response: one transaction settles the outcomes (src/core/outbox.ts) and rebuilds
 * the optimistic view of the records they touched. A response that reports conflicts is settled by
 * src/core/conflict-resolve.ts instead (plugins asked, reapplies queued, the clock advanced, the
 * conflict log written, in the same one transaction), a lazy chunk on the web client: most pushes
 * meet no conflict, and those settle exactly as that code would settle them.
 */
import { isJsonObject } from '../protocol/json.js';
import type { MutationOutcome, PushResponse } from '../protocol/wire.js';
import { encodeSeq, type StoreWriter } from '../stores/store.js';
import { observeStamp, stampWrite } from './conflict-clock.js';
import { appendConflictLog, DEFAULT_CONFLICT_LOG_LIMIT } from './conflict-log.js';
import { clientValueOf, conflictOf, reportInResult } from './conflict-outcome.js';
import type { CycleContext } from './cycle-context.js';
import { T, parseOutboxEntry, type OutboxEntry } from './local-schema.js';
import { TouchedRecords } from './local-view.js';
import { appendMutation, settleOutcomes, type SettledMutation } from './outbox.js';

export type SettleContext = Pick<CycleContext, 'store' | 'plugins' | 'clientId' | 'now' | 'emit'>;

export interface SettledResponse {
  settled: SettledMutation[];
  touched: TouchedRecords;
}

/** The eager code conflict-resolve.ts uses, handed to it as it loads. */
const kit = { appendMutation, appendConflictLog, conflictOf, clientValueOf, observeStamp, stampWrite, parseOutboxEntry, T, encodeSeq, isJsonObject };
export type ConflictKit = typeof kit;

/** `sent`: the entries of the request, as read for it (settling then need not parse them again). */
export async function settlePushResponse(ctx: SettleContext, response: PushResponse, sent: readonly OutboxEntry[] = [], logLimit = DEFAULT_CONFLICT_LOG_LIMIT): Promise<SettledResponse> {
  const touched = new TouchedRecords();
  // Both paths settle the outcomes this way, inside their one transaction.
  const settle = (tx: StoreWriter): Promise<SettledMutation[]> => settleOutcomes(tx, response.outcomes, touched, { now: ctx.now() }, sent);
  if (response.outcomes.some(mayReportConflict)) {
    const { settleWithConflicts } = await import('./conflict-resolve.js');
    return settleWithConflicts(kit, ctx, response, { touched, settle }, logLimit);
  }
  const settled = await ctx.store.write(async (tx) => {
    const out = await settle(tx);
    await touched.rebaseAll(tx);
    return out;
  });
  return { settled, touched };
}

/**
 * Whether an outcome may carry a conflict report (conflictOf also looks at the mutation's name,
 * which only the outbox entry has): a rejection with `conflict`, or a result with a report in it.
 */
function mayReportConflict(outcome: MutationOutcome): boolean {
  return outcome.status === 'rejected' ? outcome.conflict !== undefined : reportInResult(outcome.result) !== undefined;
}
