/**
 * The background sync loop.
 *
 *            kick()                 cycle ok, nothing new
 *   ┌──────┐ ─────▶ ┌─────────┐ ─────────────────────────▶ ┌──────┐
 *   │ idle │        │ running │                            │ idle │ ── interval timer ─▶ kick()
 *   └──────┘ ◀───── └─────────┘ ── kicked while running ─▶ run again
 *      ▲               │  retryable failure
 *      │               ▼
 *      │         ┌──────────┐  backoff timer (capped exponential, full jitter, Retry-After)
 *      └──────── │ backoff  │ ─────────────────────────▶ running
 *     kick()     └──────────┘
 *                      │ permanent failure (gap, auth, protocol): wait for a kick (new write, online)
 *
 * A kick that lands while a cycle is failing is not lost: `online` cuts the backoff short, and after
 * a permanent failure any kick runs the next attempt.
 *
 * While the platform says offline nothing runs; the `online` signal kicks. Every timer and the running
 * cycle stop through one AbortController on close().
 */
import { isSynclineError, toSynclineError, type SynclineError } from './errors.js';
import type { SyncTrigger } from './events.js';
import { retryDelay, type RetryPolicy } from './retry-policy.js';
import type { NetworkStatus, Timers } from './seams.js';

export interface SyncLoopOptions {
  timers: Timers;
  network: NetworkStatus;
  retry: RetryPolicy;
  random: () => number;
  /** Pull at least this often while idle; 0 disables. */
  intervalMs: number;
  /** Runs one cycle; the loop serialises calls. */
  runCycle(trigger: SyncTrigger, signal: AbortSignal): Promise<unknown>;
  /** Told about every failure and the retry delay chosen (undefined = waits for a kick). */
  onFailure(error: SynclineError, retryInMs: number | undefined): void;
  onOnlineChange(online: boolean): void;
}

export class SyncLoop {
  readonly #o: SyncLoopOptions;
  readonly #abort = new AbortController();
  #running = false;
  #again: SyncTrigger | undefined;
  #timer: unknown;
  /** A retry is scheduled: routine kicks wait for it instead of hammering a failing server. */
  #backingOff = false;
  #attempt = 0;
  #unsubscribeNetwork: () => void;
  #idle: Promise<void> = Promise.resolve();

  constructor(options: SyncLoopOptions) {
    this.#o = options;
    this.#unsubscribeNetwork = options.network.subscribe((online) => {
      options.onOnlineChange(online);
      if (online) {
        this.#attempt = 0;
        this.kick('online');
      }
    });
  }

  /** Ask for a cycle soon. Coalesces: many kicks while a cycle runs cause one more cycle. */
  kick(trigger: SyncTrigger): void {
    if (this.#abort.signal.aborted) return;
    if (this.#running) {
      this.#again ??= trigger;
      return;
    }
    if (this.#backingOff && (trigger === 'local-write' || trigger === 'interval')) return;
    this.#clearTimer();
    this.#idle = this.#run(trigger);
  }

  /** Resolves when no cycle is running (used by close and by tests). */
  whenIdle(): Promise<void> {
    return this.#idle;
  }

  async close(): Promise<void> {
    this.#abort.abort();
    this.#clearTimer();
    this.#unsubscribeNetwork();
    await this.#idle;
  }

  async #run(trigger: SyncTrigger): Promise<void> {
    if (!this.#o.network.isOnline()) return;
    this.#running = true;
    let next: SyncTrigger | undefined = trigger;
    try {
      while (next !== undefined && !this.#abort.signal.aborted) {
        this.#again = undefined;
        const failed = await this.#cycle(next);
        next = this.#again;
        if (failed && !this.#kickSurvivesFailure(next)) return;
      }
      this.#schedule(this.#o.intervalMs, 'interval');
    } finally {
      this.#running = false;
    }
  }

  /**
   * A kick that arrived while a cycle was failing. The link coming back outranks the backoff chosen
   * for a failure that probably happened because it was gone; after a permanent failure any kick is
   * what the loop was going to wait for anyway. Routine kicks during a backoff stay dropped, as in
   * `kick()`.
   */
  #kickSurvivesFailure(kick: SyncTrigger | undefined): boolean {
    if (kick === undefined || this.#abort.signal.aborted || !this.#o.network.isOnline()) return false;
    if (this.#backingOff && (kick === 'local-write' || kick === 'interval')) return false;
    if (kick === 'online') this.#attempt = 0;
    this.#clearTimer();
    return true;
  }

  /** Returns true when the cycle failed (a retry is scheduled or the loop waits for a kick). */
  async #cycle(trigger: SyncTrigger): Promise<boolean> {
    try {
      await this.#o.runCycle(trigger, this.#abort.signal);
      this.#attempt = 0;
      return false;
    } catch (raw) {
      if (this.#abort.signal.aborted) return true;
      const error = isSynclineError(raw) ? raw : toSynclineError(raw, 'The sync cycle failed');
      // At least 1 ms: full jitter can draw 0, and #schedule takes 0 as "no timer", which left the loop
      // backing off with nothing to end it (new writes' kicks dropped) until the watchdog re-drove it.
      const delay = error.retryable ? Math.max(1, retryDelay(this.#o.retry, this.#attempt++, error, this.#o.random)) : undefined;
      this.#o.onFailure(error, delay);
      if (delay !== undefined) {
        this.#schedule(delay, 'retry');
        this.#backingOff = true;
      }
      return true;
    }
  }

  #schedule(ms: number, trigger: SyncTrigger): void {
    if (ms <= 0 || this.#abort.signal.aborted) return;
    this.#clearTimer();
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#timer = undefined;
      this.kick(trigger);
    }, ms);
  }

  #clearTimer(): void {
    this.#backingOff = false;
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
