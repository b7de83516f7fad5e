/**
 * The client's drain monitor: `client.metrics()`, a `metrics.updated` event after every cycle that
 * ended, and the **watchdog** — a queue with pending work and no successful cycle for
 * `stalledAfterMs` is re-driven (a `watchdog` kick, which cuts a backoff short and wakes a loop that
 * waits after a permanent failure) and reported with `sync.stalled`, so it is never silently stuck.
 *
 * ```
 *   check ── nothing pending ──▶ idle: check again in stalledAfterMs (or stalledAfterMs after this
 *     │                                 tab's next write)
 *     ├── pending, quiet < stalledAfterMs ──▶ check again when it would reach stalledAfterMs
 *     └── pending, quiet ≥ stalledAfterMs ──▶ stalled: kick('watchdog'), emit sync.stalled,
 *                                             check again stalledAfterMs later
 *   quiet = now − max(last success, oldest pending write, monitor start, last re-drive)
 * ```
 *
 * Everything is read from the store (the last success is in `meta/runTotals`), so a follower tab
 * whose leader drains fine sees no stall, and one whose leader died re-drives and takes over the
 * lease. The monitor start counts as activity: a till restarted with an old backlog gets a full
 * `stalledAfterMs` for its start-up cycle before it is called stalled.
 */
import type { Store } from '../stores/store.js';
import { positive } from './client-options.js';
import { oldestPendingCreatedAt, readDrainFacts } from './drain-facts.js';
import type { DrainMetrics } from './drain-summary.js';
import type { SyncEvent } from './events.js';
import { T } from './local-schema.js';
import { readRunTotals } from './run-history.js';
import type { Logger, Timers } from './seams.js';
import type { StorageMetrics } from './storage-persistence.js';

export interface WatchdogOptions {
  /** Pending work with no successful cycle for this long (ms) is a stall. Default 120 000. */
  stalledAfterMs?: number;
}

export const DEFAULT_STALLED_AFTER_MS = 120_000;

export interface ClientMetrics extends DrainMetrics {
  /** The watchdog's view at its last check: pending work and no success for `stalledAfterMs`. */
  stalled: boolean;
  /**
   * Whether the platform keeps the local store from eviction (`navigator.storage.persist()`); only
   * with the `storage` client option (`watchStorage`).
   */
  storage?: StorageMetrics | undefined;
}

export interface DrainMonitorHost {
  store: Store;
  timers: Timers;
  logger: Logger;
  emit(event: SyncEvent): void;
  subscribe(listener: (event: SyncEvent) => void): () => void;
  /** Ask the sync loop for a cycle now; false when there is no loop to ask (autoSync off). */
  redrive(): boolean;
  /** The storage watch, if the client has one (src/core/storage-guard.ts). */
  storage?: { metrics(): StorageMetrics } | undefined;
}

export class DrainMonitor {
  readonly #host: DrainMonitorHost;
  /** Undefined: the watchdog is off. */
  readonly #stalledAfterMs: number | undefined;
  readonly #startedAt: number;
  readonly #unsubscribe: () => void;
  #timer: unknown;
  #idle = false;
  #stalled = false;
  #lastRedriveAt: number | undefined;
  #closed = false;

  constructor(host: DrainMonitorHost, options: WatchdogOptions | false | undefined) {
    this.#host = host;
    this.#stalledAfterMs = options === false ? undefined : positive(options?.stalledAfterMs, DEFAULT_STALLED_AFTER_MS, 'watchdog.stalledAfterMs');
    this.#startedAt = host.timers.now();
    this.#unsubscribe = host.subscribe((event) => this.#onEvent(event));
    if (this.#stalledAfterMs !== undefined) this.#arm(this.#stalledAfterMs);
  }

  async metrics(): Promise<ClientMetrics> {
    const now = this.#host.timers.now();
    // The arithmetic is a lazy chunk (drain-summary.ts), fetched while the store is read.
    const [facts, { summarizeDrain }] = await Promise.all([this.#host.store.read(readDrainFacts), import('./drain-summary.js')]);
    const metrics = summarizeDrain(facts, now);
    return { ...metrics, stalled: this.#stalled, storage: this.#host.storage?.metrics() };
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    this.#disarm();
  }

  #onEvent(event: SyncEvent): void {
    if (event.type === 'sync.completed' || event.type === 'sync.failed') this.#publishMetrics();
    // A write while idle: it becomes a stall exactly stalledAfterMs from now if nothing drains it.
    if (event.type === 'mutation.queued' && this.#idle && this.#stalledAfterMs !== undefined) this.#arm(this.#stalledAfterMs);
  }

  #publishMetrics(): void {
    if (this.#closed) return;
    this.metrics().then(
      (metrics) => {
        if (!this.#closed) this.#host.emit({ type: 'metrics.updated', metrics });
      },
      (error: unknown) => this.#host.logger.warn('could not read drain metrics', { error: String(error) }),
    );
  }

  #arm(ms: number): void {
    this.#disarm();
    this.#timer = this.#host.timers.setTimeout(() => {
      this.#timer = undefined;
      void this.#check();
    }, ms);
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#host.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #check(): Promise<void> {
    const limit = this.#stalledAfterMs;
    if (this.#closed || limit === undefined) return;
    let state: { pending: number; oldest: number | undefined; lastSuccessAt: number | null };
    try {
      state = await this.#host.store.read(async (tx) => ({
        pending: await tx.count(T.unsettled),
        oldest: await oldestPendingCreatedAt(tx),
        lastSuccessAt: (await readRunTotals(tx)).lastSuccessAt,
      }));
    } catch (error) {
      if (this.#closed) return;
      // A store that cannot be read is itself worth a look; keep watching.
      this.#host.logger.warn('watchdog could not read the store', { error: String(error) });
      this.#arm(limit);
      return;
    }
    if (this.#closed) return;
    const now = this.#host.timers.now();
    this.#idle = state.pending === 0;
    if (this.#idle) {
      this.#stalled = false;
      this.#arm(limit);
      return;
    }
    const activity = Math.max(state.lastSuccessAt ?? -Infinity, state.oldest ?? -Infinity, this.#startedAt);
    const quietFor = now - Math.max(activity, this.#lastRedriveAt ?? -Infinity);
    if (quietFor < limit) {
      this.#stalled = now - activity >= limit;
      this.#arm(limit - quietFor);
      return;
    }
    this.#stalled = true;
    this.#lastRedriveAt = now;
    const redriven = this.#host.redrive();
    this.#host.logger.warn('sync stalled: pending work and no successful cycle', { pending: state.pending, stalledForMs: now - activity, redriven });
    this.#host.emit({
      type: 'sync.stalled',
      pending: state.pending,
      oldestPendingAgeMs: state.oldest === undefined ? undefined : now - state.oldest,
      lastSuccessAgeMs: state.lastSuccessAt === null ? undefined : now - state.lastSuccessAt,
      stalledForMs: now - activity,
      redriven,
    });
    this.#arm(limit);
  }
}
