/** Retry policy as data: capped exponential backoff with full jitter, honouring Retry-After and open circuits. */
import type { SynclineError } from './errors.js';
import { retryAfterOf } from './errors.js';

export interface RetryPolicy {
  /** Delay cap of the first retry, in ms. */
  baseDelayMs: number;
  /** No delay exceeds this (except a longer wait the error asks for: Retry-After, an open circuit). */
  maxDelayMs: number;
  /** Growth of the cap per consecutive failure. */
  factor: number;
}

export const defaultRetryPolicy: RetryPolicy = { baseDelayMs: 250, maxDelayMs: 30_000, factor: 2 };

/**
 * Delay before retry number `attempt` (0-based). Full jitter spreads clients that failed together
 * (a server restart) so they do not come back in lockstep.
 */
export function retryDelay(policy: RetryPolicy, attempt: number, error: SynclineError, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** Math.min(attempt, 52));
  const jittered = Math.floor(random() * cap);
  const asked = retryAfterOf(error);
  return asked === undefined ? jittered : Math.max(asked, jittered);
}
