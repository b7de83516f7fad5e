/**
 * `BackgroundSyncService`: the seed document's job scheduler, over the client's own machinery. Jobs
 * are triggered periodically, on reconnect, or after local writes (debounced), and run as queued sync
 * requests with their priority. Timers and connectivity come from the injected seams; `close()` stops
 * every timer and subscription.
 *
 * Not covered here: waking a closed web app through the Service Worker Background Sync API.
 * `isBackgroundSyncAvailable()` reports whether the runtime has that API.
 */
import type { SynclineClient } from '../core/client.js';
import { InvalidArgumentError } from '../core/errors.js';
import { randomId } from '../core/identity.js';
import { alwaysOnline, systemTimers, type NetworkStatus, type Timers } from '../core/seams.js';
import type { SyncPriority } from '../core/sync-queue.js';
import { ProgressiveSyncEngine, type SyncOptions } from './progressive-sync-engine.js';

export type BackgroundTrigger = 'periodic' | 'connectivity' | 'data-change' | 'manual';

export interface BackgroundSyncOptions {
  timers?: Timers;
  network?: NetworkStatus;
  /** Period of 'periodic' jobs in ms. Default 15 minutes. */
  intervalMs?: number;
  /** Quiet time after the last local write before a 'data-change' job runs, ms. Default 2000. */
  debounceMs?: number;
}

export interface BackgroundJob {
  id: string;
  trigger: BackgroundTrigger;
  options: SyncOptions;
  priority: SyncPriority;
  /** Due to run at the next `executePendingJobs()` (or its own trigger). */
  pending: boolean;
  runs: number;
  lastRun: { at: number; outcome: string; syncId: string } | undefined;
}

export class BackgroundSyncService {
  readonly #client: SynclineClient;
  readonly #engine: ProgressiveSyncEngine;
  readonly #timers: Timers;
  readonly #network: NetworkStatus;
  readonly #intervalMs: number;
  readonly #debounceMs: number;
  readonly #jobs = new Map<string, BackgroundJob>();
  readonly #cleanups = new Map<string, () => void>();
  #closed = false;

  constructor(client: SynclineClient, options: BackgroundSyncOptions = {}) {
    this.#client = client;
    this.#engine = new ProgressiveSyncEngine(client);
    this.#timers = options.timers ?? systemTimers;
    this.#network = options.network ?? alwaysOnline;
    this.#intervalMs = options.intervalMs ?? 15 * 60_000;
    this.#debounceMs = options.debounceMs ?? 2000;
  }

  async initialize(): Promise<void> {
    await this.#engine.initialize();
  }

  /** Whether this runtime has the Service Worker Background Sync API (browsers only). */
  isBackgroundSyncAvailable(): boolean {
    const g = globalThis as { navigator?: { serviceWorker?: unknown }; SyncManager?: unknown };
    return g.navigator?.serviceWorker !== undefined && g.SyncManager !== undefined;
  }

  /** Register a job; returns its id. */
  async scheduleSync(options: SyncOptions, trigger: BackgroundTrigger, priority: SyncPriority = 'low'): Promise<string> {
    if (this.#closed) throw new InvalidArgumentError('The background sync service is closed.');
    const id = `job-${randomId(8)}`;
    const job: BackgroundJob = { id, trigger, options, priority, pending: trigger === 'manual', runs: 0, lastRun: undefined };
    this.#jobs.set(id, job);
    this.#cleanups.set(id, this.#arm(job));
    return id;
  }

  /** Run every job that is due now. */
  async executePendingJobs(): Promise<void> {
    const due = [...this.#jobs.values()].filter((job) => job.pending);
    await Promise.all(due.map((job) => this.#run(job)));
  }

  jobs(): BackgroundJob[] {
    return [...this.#jobs.values()].map((job) => ({ ...job }));
  }

  cancelJob(id: string): boolean {
    this.#cleanups.get(id)?.();
    this.#cleanups.delete(id);
    return this.#jobs.delete(id);
  }

  close(): void {
    this.#closed = true;
    for (const id of [...this.#jobs.keys()]) this.cancelJob(id);
  }

  #arm(job: BackgroundJob): () => void {
    switch (job.trigger) {
      case 'periodic':
        return this.#every(job);
      case 'connectivity':
        return this.#network.subscribe((online) => {
          job.pending = true;
          if (online) void this.#run(job);
        });
      case 'data-change':
        return this.#afterWrites(job);
      case 'manual':
        return () => undefined;
    }
  }

  #every(job: BackgroundJob): () => void {
    let handle: unknown;
    const tick = (): void => {
      job.pending = true;
      void this.#run(job).finally(() => {
        if (this.#jobs.has(job.id)) handle = this.#timers.setTimeout(tick, this.#intervalMs);
      });
    };
    handle = this.#timers.setTimeout(tick, this.#intervalMs);
    return () => this.#timers.clearTimeout(handle);
  }

  #afterWrites(job: BackgroundJob): () => void {
    let handle: unknown;
    const off = this.#client.on('mutation.queued', () => {
      job.pending = true;
      if (handle !== undefined) this.#timers.clearTimeout(handle);
      handle = this.#timers.setTimeout(() => {
        handle = undefined;
        void this.#run(job);
      }, this.#debounceMs);
    });
    return () => {
      off();
      if (handle !== undefined) this.#timers.clearTimeout(handle);
    };
  }

  async #run(job: BackgroundJob): Promise<void> {
    if (this.#closed || !this.#network.isOnline()) return;
    job.pending = false;
    try {
      const result = await this.#engine.executeSync({ ...job.options, priority: job.priority });
      job.lastRun = { at: this.#timers.now(), outcome: result.outcome, syncId: result.syncId };
    } catch (error) {
      job.pending = true; // try again at the next trigger
      job.lastRun = { at: this.#timers.now(), outcome: 'failed', syncId: (error as { syncId?: string }).syncId ?? '' };
    } finally {
      job.runs += 1;
    }
  }
}
