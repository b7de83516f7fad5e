/**
 * Drain analytics: what an operator asks first about a client database — how many writes wait, how
 * old the oldest is, when a sync last succeeded, how long the backlog takes to drain at the rate
 * measured so far. Read from the store alone (outbox, run history, run totals, rejection log), so
 * every tab and process — and `syncline status` on a file — sees the same numbers.
 *
 * Two halves: reading the facts (drain-facts.ts) and computing from them (drain-summary.ts). The
 * web client imports neither through this module: it loads the computing half as a lazy chunk
 * (src/core/drain-monitor.ts), which only works while no module of its first load imports it.
 */
import type { StoreReader } from '../stores/store.js';
import { readDrainFacts } from './drain-facts.js';
import { summarizeDrain, type DrainMetrics } from './drain-summary.js';

export type { DrainFacts, DrainMetrics } from './drain-summary.js';
export { oldestPendingCreatedAt, readDrainFacts } from './drain-facts.js';

export async function readDrainMetrics(tx: StoreReader, now: number): Promise<DrainMetrics> {
  return summarizeDrain(await readDrainFacts(tx), now);
}
