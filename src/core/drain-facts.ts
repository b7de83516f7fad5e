/**
 * What the drain analytics are computed from, read from the store alone (outbox, run history, run
 * totals, rejection log) in one transaction. The computing is drain-summary.ts; drain-metrics.ts
 * puts the two together for `syncline status` and other callers that want the numbers at once.
 */
import type { StoreReader } from '../stores/store.js';
import { T } from './local-schema.js';
import { readRunTotals, readRuns } from './run-history.js';
import type { DrainFacts } from './drain-summary.js';

/** Rejection code of a mutation the server dead-lettered after repeated handler failures. */
const DEAD_LETTER_CODE = 'handler-failed';
/** Recent cycles the drain rate and bytes per cycle are measured over. */
const RATE_WINDOW = 20;

/** Everything the drain metrics are computed from (see drain-summary.ts). */
export async function readDrainFacts(tx: StoreReader): Promise<DrainFacts> {
  const [outboxSize, pending, oldest, totals, runs, deadLettered, quarantined] = await Promise.all([
    tx.count(T.outbox),
    tx.count(T.unsettled),
    oldestPendingCreatedAt(tx),
    readRunTotals(tx),
    readRuns(tx, RATE_WINDOW),
    countDeadLetters(tx),
    tx.count(T.quarantine),
  ]);
  return { outboxSize, pending, oldest, totals, runs, deadLettered, quarantined };
}

/** createdAt of the first entry of the `unsettled` index (ids are allocated in creation order). */
export async function oldestPendingCreatedAt(tx: StoreReader): Promise<number | undefined> {
  const [first] = await tx.scan(T.unsettled, { limit: 1 });
  if (first === undefined) return undefined;
  const entry = await tx.get(T.outbox, first[0]);
  const createdAt = (entry as { createdAt?: unknown } | undefined)?.createdAt;
  // An entry that does not parse is the validate phase's business (it quarantines it); its id is
  // still the oldest pending one, so report its age when readable and nothing otherwise.
  return typeof createdAt === 'number' ? createdAt : undefined;
}

async function countDeadLetters(tx: StoreReader): Promise<number> {
  const rows = await tx.scan(T.rejections);
  return rows.filter(([, raw]) => (raw as { code?: unknown }).code === DEAD_LETTER_CODE).length;
}
