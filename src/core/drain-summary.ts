/**
 * Drain analytics computed from what the store holds (gathered by src/core/drain-metrics.ts). Pure
 * and free of runtime imports so the web client loads it as a lazy chunk when it first reports
 * metrics (after its first cycle, or on `client.metrics()`), not on the page's first load.
 */
import type { SyncCycleResult } from './events.js';
import type { OutcomeCounts, RunTotals } from './run-history.js';

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

/** What the drain metrics are computed from, as read in one store transaction. */
export interface DrainFacts {
  outboxSize: number;
  pending: number;
  /** createdAt of the oldest mutation awaiting an outcome. */
  oldest: number | undefined;
  totals: RunTotals;
  /** The most recent runs, newest first. */
  runs: SyncCycleResult[];
  deadLettered: number;
  quarantined: number;
}

export function summarizeDrain(facts: DrainFacts, now: number): DrainMetrics {
  const { outboxSize, pending, oldest, totals, runs, deadLettered, quarantined } = facts;
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

function mean(values: readonly number[]): number {
  return Math.round(values.reduce((a, b) => a + b, 0) / values.length);
}
