/**
 * Drain analytics: what an operator asks first about a client database — how many writes wait, how
 * old the oldest is, when a sync last succeeded, how long the backlog takes to drain at the rate
 * measured so far. Read from the store alone (outbox, run history, run totals, rejection log), so
 * every tab and process — and `syncline status` on a file — sees the same numbers.
 */
import type { StoreReader } from '../stores/store.js';
import { T } from './local-schema.js';
import { readRunTotals, readRuns, type OutcomeCounts } from './run-history.js';

/** Rejection code of a mutation the server dead-lettered after repeated handler failures. */
const DEAD_LETTER_CODE = 'handler-failed';
/** Recent cycles the drain rate and bytes per cycle are measured over. */
const RATE_WINDOW = 20;

export interface DrainMetrics {
  /** Client clock (ms) the metrics were read at. */
  at: number;
  /** Entries in the outbox (awaiting an outcome, or applied and awaiting the pull that confirms them). */
  outboxSize: number;
  /** Mutations still awaiting the server's outcome: the backlog to drain. */
  pending: number;
  /** Age (ms) of the oldest mutation awaiting an outcome; undefined when none waits. */
  oldestPendingAgeMs: number | undefined;
  /** Mutations settled per second by recent cycles that pushed; undefined before any did. */
  drainRatePerSecond: number | undefined;
  /** `pending / drainRatePerSecond` in ms; 0 with nothing pending; undefined with no measured rate. */
  estimatedDrainMs: number | undefined;
  /** Time since the newest completed cycle ended; undefined before the first. */
  lastSuccessAgeMs: number | undefined;
  lastSuccessAt: number | undefined;
  /** Cycles by trigger and outcome, over the database's life (not only the bounded history). */
  cyclesByTrigger: Record<string, OutcomeCounts>;
  /** Bytes of the newest recorded cycle, and the mean over recent cycles. */
  bytesPerCycle: { last: { up: number; down: number } | undefined; average: { up: number; down: number } | undefined };
  /** Mutations the server refused for good (over the database's life). */
  rejected: number;
  /** Rejections in the rejected-mutations log that are server dead letters (code `handler-failed`). */
  deadLettered: number;
  /** Unreadable outbox entries moved aside by the client (its own dead letters). */
  quarantined: number;
}

export async function readDrainMetrics(tx: StoreReader, now: number): Promise<DrainMetrics> {
  const [outboxSize, pending, oldest, totals, runs, deadLettered, quarantined] = await Promise.all([
    tx.count(T.outbox),
    tx.count(T.unsettled),
    oldestPendingCreatedAt(tx),
    readRunTotals(tx),
    readRuns(tx, RATE_WINDOW),
    countDeadLetters(tx),
    tx.count(T.quarantine),
  ]);
  const rate = drainRate(runs);
  const measured = runs.filter((r) => !r.skipped);
  const newest = measured[0];
  return {
    at: now,
    outboxSize,
    pending,
    oldestPendingAgeMs: oldest === undefined ? undefined : Math.max(0, now - oldest),
    drainRatePerSecond: rate,
    estimatedDrainMs: pending === 0 ? 0 : rate === undefined ? undefined : Math.ceil((pending / rate) * 1000),
    lastSuccessAgeMs: totals.lastSuccessAt === null ? undefined : Math.max(0, now - totals.lastSuccessAt),
    lastSuccessAt: totals.lastSuccessAt ?? undefined,
    cyclesByTrigger: totals.byTrigger,
    bytesPerCycle: {
      last: newest === undefined ? undefined : { up: newest.bytesUp, down: newest.bytesDown },
      average: measured.length === 0 ? undefined : { up: mean(measured.map((r) => r.bytesUp)), down: mean(measured.map((r) => r.bytesDown)) },
    },
    rejected: totals.rejected,
    deadLettered,
    quarantined,
  };
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

/**
 * Settled mutations per second of cycle time, over recent cycles that pushed something. Whole-cycle
 * time (pull and verify included) is what a drain costs, so the estimate is not optimistic.
 */
function drainRate(runs: ReadonlyArray<{ skipped: boolean; pushed: { applied: number; rejected: number }; durationMs: number }>): number | undefined {
  let settled = 0;
  let ms = 0;
  for (const r of runs) {
    const n = r.pushed.applied + r.pushed.rejected;
    if (r.skipped || n === 0) continue;
    settled += n;
    ms += r.durationMs;
  }
  if (settled === 0) return undefined;
  return (settled * 1000) / Math.max(ms, 1);
}

async function countDeadLetters(tx: StoreReader): Promise<number> {
  const rows = await tx.scan(T.rejections);
  return rows.filter(([, raw]) => (raw as { code?: unknown }).code === DEAD_LETTER_CODE).length;
}

function mean(values: readonly number[]): number {
  return Math.round(values.reduce((a, b) => a + b, 0) / values.length);
}
