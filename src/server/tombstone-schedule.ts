/**
 * Scheduled tombstone purge: `purgeTombstones({ retainMs })` every `purgeEveryMs`, until the server's
 * AbortSignal fires. One run at a time (the next is scheduled when the last one has finished), and a
 * failed run is logged and simply tried again on the next tick — a purge is housekeeping, never a
 * reason to stop serving.
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { Logger } from '../core/seams.js';
import type { PurgeResult } from './tombstones.js';

/** Longest default gap between purges: a long retention does not need a purge more often than hourly. */
const MAX_DEFAULT_PURGE_EVERY_MS = 60 * 60 * 1000;

export interface TombstoneRetention {
  /**
   * Keep a tombstone at least this long after the deletion, ms. A client that has not pulled for
   * longer gets 409 `reset-required` and re-syncs from cursor 0 (its pending writes are kept).
   * @example { retainMs: 30 * 24 * 60 * 60 * 1000 } // devices may stay offline for a month
   */
  retainMs: number;
  /** How often the purge runs, ms. Default `retainMs`, at most one hour. */
  purgeEveryMs?: number;
}

/** Check the option where it enters, so a typo fails at `createSyncServer`, not hours later. */
export function validateRetention(retention: TombstoneRetention): { retainMs: number; purgeEveryMs: number } {
  const { retainMs } = retention;
  if (!Number.isFinite(retainMs) || retainMs < 0) {
    throw new InvalidArgumentError(`tombstones.retainMs: expected a number of milliseconds >= 0 (e.g. 2592000000 for 30 days), got ${String(retainMs)}.`);
  }
  const purgeEveryMs = retention.purgeEveryMs ?? Math.max(1, Math.min(retainMs, MAX_DEFAULT_PURGE_EVERY_MS));
  // setTimeout silently turns delays above 2^31-1 ms into 1 ms, which would purge in a busy loop.
  if (!Number.isFinite(purgeEveryMs) || purgeEveryMs < 1 || purgeEveryMs > 2 ** 31 - 1) {
    throw new InvalidArgumentError(`tombstones.purgeEveryMs: expected milliseconds between 1 and 2147483647 (e.g. 3600000 for hourly), got ${String(purgeEveryMs)}.`);
  }
  return { retainMs, purgeEveryMs };
}

export interface PurgeScheduleOptions {
  /** Runs one purge of everything older than the retention. */
  purge(): Promise<PurgeResult[]>;
  everyMs: number;
  logger: Logger;
  /** Aborting stops the schedule; a run in progress finishes first. */
  signal: AbortSignal;
}

/** Start the schedule; the promise resolves once it has stopped (signal aborted, no run in progress). */
export function runPurgeSchedule(options: PurgeScheduleOptions): Promise<void> {
  const { signal, logger } = options;
  return new Promise<void>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      resolve();
    };
    const tick = async (): Promise<void> => {
      timer = undefined;
      await runOnce(options.purge, logger);
      if (signal.aborted) resolve();
      else schedule();
    };
    const schedule = (): void => {
      timer = setTimeout(() => void tick(), options.everyMs);
    };
    if (signal.aborted) {
      resolve();
      return;
    }
    // While a run is in progress the timer is unset: stop() only resolves once tick() sees the abort.
    signal.addEventListener('abort', () => (timer === undefined ? undefined : stop()), { once: true });
    schedule();
  });
}

async function runOnce(purge: () => Promise<PurgeResult[]>, logger: Logger): Promise<void> {
  try {
    const results = await purge();
    const removed = results.reduce((sum, r) => sum + r.tombstonesRemoved, 0);
    if (removed > 0) logger.info('server: tombstones purged', { removed, scopes: results.filter((r) => r.tombstonesRemoved > 0).length });
    else logger.debug('server: tombstone purge found nothing to remove', { scopes: results.length });
  } catch (error) {
    logger.error('server: scheduled tombstone purge failed; retrying at the next tick', { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
}
