/**
 * The last N sync cycle results, kept in the store: readable by API and by `syncline status`. Next
 * to them, running totals that outlive the bounded history (`meta/runTotals`): outcomes per trigger,
 * pushed/rejected counts and the last success — what `client.metrics()` and the watchdog read, shared
 * by every tab and process on the database.
 *
 * `meta/runTotals` format history (`v`): 1 — first version (an addition within local format 1).
 */
import * as z from '../protocol/shape.js';
import type { JsonValue } from '../protocol/json.js';
import { wholeNumber } from '../protocol/wire.js';
import type { StoreReader, StoreWriter } from '../stores/store.js';
import { encodeSeq } from '../stores/store.js';
import { StoredDataError } from './errors.js';
import type { SyncCycleResult } from './events.js';
import { META, T, readNumber } from './local-schema.js';

export const RUN_TOTALS = 'runTotals';

const count = () => wholeNumber(0);
const outcomeCounts = z.strictObject({ completed: count(), failed: count(), cancelled: count() });
export type OutcomeCounts = z.Infer<typeof outcomeCounts>;

/** Outcome counts per trigger. */
const countsByTrigger = z.record(z.string(), outcomeCounts);

export const runTotalsSchema = z.strictObject({
  v: z.literal(1),
  /** Cycles by trigger (`manual`, `interval`, `local-write`, …) and outcome. */
  byTrigger: countsByTrigger,
  /** Mutations the server applied / refused for good, over every recorded cycle. */
  applied: count(),
  rejected: count(),
  /** End of the newest completed cycle (client clock, ms); null before the first one. */
  lastSuccessAt: z.nullable(z.number()),
});
export type RunTotals = z.Infer<typeof runTotalsSchema>;

const emptyTotals = (): RunTotals => ({ v: 1, byTrigger: {}, applied: 0, rejected: 0, lastSuccessAt: null });

export async function recordRun(tx: StoreWriter, result: SyncCycleResult, keep: number): Promise<void> {
  const seq = readNumber(await tx.get(T.meta, META.runSeq), 0, 'meta/runSeq') + 1;
  await tx.put(T.meta, META.runSeq, seq);
  await tx.put(T.runs, encodeSeq(seq), { v: 1, ...result } as unknown as JsonValue);
  if (seq > keep) {
    for (const [k] of await tx.scan(T.runs, { end: encodeSeq(seq - keep + 1) })) await tx.delete(T.runs, k);
  }
  await addToTotals(tx, result);
}

async function addToTotals(tx: StoreWriter, result: SyncCycleResult): Promise<void> {
  const totals = await readRunTotals(tx).catch((error: unknown) => {
    // Damaged totals must not cost the run record (or the cycle); start counting afresh.
    if (error instanceof StoredDataError) return emptyTotals();
    throw error;
  });
  const counts = totals.byTrigger[result.trigger] ?? { completed: 0, failed: 0, cancelled: 0 };
  totals.byTrigger[result.trigger] = { ...counts, [result.outcome]: counts[result.outcome] + 1 };
  totals.applied += result.pushed.applied;
  totals.rejected += result.pushed.rejected;
  if (result.outcome === 'completed') totals.lastSuccessAt = Math.max(totals.lastSuccessAt ?? 0, result.startedAt + result.durationMs);
  await tx.put(T.meta, RUN_TOTALS, totals as unknown as JsonValue);
}

export async function readRunTotals(tx: StoreReader): Promise<RunTotals> {
  const raw = await tx.get(T.meta, RUN_TOTALS);
  if (raw === undefined) return emptyTotals();
  const parsed = runTotalsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new StoredDataError(`The stored meta/${RUN_TOTALS} does not match format 1 (${parsed.error.message}); the local database is damaged or was written by another syncline.`, {
    cause: parsed.error,
    details: { where: `meta/${RUN_TOTALS}` },
  });
}

/** Newest first. Entries are returned as stored; their `v` says which format wrote them. */
export async function readRuns(tx: StoreReader, limit: number): Promise<SyncCycleResult[]> {
  const rows = await tx.scan(T.runs, { reverse: true, limit });
  return rows.map(([, value]) => value as unknown as SyncCycleResult);
}
