/**
 * Graceful shutdown helpers: wait for in-flight work up to a deadline. A request still running at the
 * deadline is left to fail with the database closed under it — its transaction rolls back, its client
 * never saw an answer and resends — so a deadline can cost time but never an acknowledged write.
 */
import { InvalidArgumentError } from '../core/errors.js';

export interface CloseOptions {
  /**
   * How long running requests may take to finish, in ms, before the server lets go of them and
   * closes the database anyway. Default: no limit (wait for every running request).
   */
  drainMs?: number;
}

/** Event streams are told to reconnect after this long (SSE `retry:`), enough for a load balancer to move them. */
export const RECONNECT_HINT_MS = 1000;

export function validateDrainMs(drainMs: number | undefined): number {
  if (drainMs === undefined) return Number.POSITIVE_INFINITY;
  if (!(drainMs >= 0)) throw new InvalidArgumentError(`drainMs must be a number of milliseconds >= 0, got ${String(drainMs)}.`);
  return drainMs;
}

/** Resolves true once every promise settled, false when `ms` passed first. Leaves no timer behind. */
export async function settledWithin(promises: ReadonlyArray<Promise<unknown>>, ms: number): Promise<boolean> {
  const all = Promise.allSettled(promises).then(() => true);
  if (ms === Number.POSITIVE_INFINITY) return all;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([all, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
