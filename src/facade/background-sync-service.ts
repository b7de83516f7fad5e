/**
 * `BackgroundSyncService`: the seed document's job scheduler, over the client's own machinery. A job
 * (trigger, options, priority, schedule, attempts, next due time) is a record in the client's store
 * (src/core/job-store.ts), so `scheduleSync` survives a restart and a job that fell due while the app
 * was closed runs when the service starts again (`initialize()`, or the first call that needs it).
 * Every run is recorded with its outcome, error, duration, bytes and trigger (`history()`,
 * `syncline status`).
 *
 * ```
 *  scheduleSync ─▶ stored job ─┬─ due time reached (timer) ──────────┐
 *                              ├─ network changed (connectivity) ───┤   claim in a write tx
 *                              ├─ local write + debounce (data-change)┼─▶ (one instance runs it)
 *                              └─ executePendingJobs() (any pending) ─┘        │ sync()
 *        next due: periodic +interval · failed: retry 1 s, 2 s, 4 s… ≤ interval ◀─ settle + history
 * ```
 *
 * Not covered here: waking a closed web app through the Service Worker Background Sync API.
 * `isBackgroundSyncAvailable()` reports whether the runtime has that API.
 */
import type { SynclineClient } from '../core/client.js';
import { InvalidArgumentError } from '../core/errors.js';
import { randomId } from '../core/identity.js';
import { appendJobRun, DEFAULT_JOB_HISTORY, readJobRuns, type JobHistoryLimits, type JobHistoryQuery, type JobRun } from '../core/job-history.js';
import { ClaimRenewal } from './claim-renewal.js';
import { claimJob, deleteJob, jobTriggers, putJob, readJob, readJobs, retryDelayMs, settleJob, settledRow, storedJobSchema, type JobTrigger, type StoredJob } from '../core/job-store.js';
import { alwaysOnline, systemTimers, type NetworkStatus, type Timers } from '../core/seams.js';
import type { SyncPriority } from '../core/sync-queue.js';
import { executeJob } from './job-run.js';
import { armTrigger } from './job-triggers.js';
import { ProgressiveSyncEngine, type SyncOptions } from './progressive-sync-engine.js';

export type BackgroundTrigger = JobTrigger;
export type { JobRun, JobHistoryQuery } from '../core/job-history.js';

export interface BackgroundSyncOptions {
  timers?: Timers;
  network?: NetworkStatus;
  /** Default period of 'periodic' jobs (and cap of every job's retry delay) in ms. Default 15 minutes. */
  intervalMs?: number;
  /** Default quiet time after the last local write before a 'data-change' job runs, ms. Default 2000. */
  debounceMs?: number;
  /** Job runs kept in the history: by count and by age (ms). Default 200 runs, 7 days. */
  history?: Partial<JobHistoryLimits>;
  /** How long a started run keeps other tabs/processes off the same job (ms). Default 60 000. */
  claimMs?: number;
}

/** Per-job schedule; defaults come from the service options. */
export interface JobSchedule {
  intervalMs?: number;
  debounceMs?: number;
}

export interface BackgroundJob {
  id: string;
  trigger: BackgroundTrigger;
  options: SyncOptions;
  priority: SyncPriority;
  /** Due now, or its last run failed: `executePendingJobs()` runs it. */
  pending: boolean;
  /** When it runs next by itself (client clock, ms); undefined = waiting for its trigger. */
  nextDueAt: number | undefined;
  runs: number;
  /** Consecutive failed runs (0 after a success). */
  attempts: number;
  lastRun: { at: number; outcome: 'completed' | 'failed' | 'cancelled'; syncId: string; error: { code: string; message: string } | undefined } | undefined;
}

interface Entry {
  job: StoredJob;
  detach: () => void;
  running: Promise<void> | undefined;
  /** A trigger fired while the job was running: the due time to keep after it settles. */
  retriggerAt: number | undefined;
}

export class BackgroundSyncService {
  readonly #client: SynclineClient;
  readonly #engine: ProgressiveSyncEngine;
  readonly #timers: Timers;
  readonly #network: NetworkStatus;
  readonly #intervalMs: number;
  readonly #debounceMs: number;
  readonly #limits: JobHistoryLimits;
  readonly #claimMs: number;
  readonly #jobs = new Map<string, Entry>();
  #ready: Promise<void> | undefined;
  #timer: unknown;
  #stopNetwork: (() => void) | undefined;
  #closed = false;

  constructor(client: SynclineClient, options: BackgroundSyncOptions = {}) {
    const candidate = client as Partial<SynclineClient> | undefined | null;
    if (typeof candidate?.sync !== 'function' || typeof candidate.store?.write !== 'function') {
      throw new InvalidArgumentError(
        'BackgroundSyncService needs the SynclineClient whose store keeps its jobs: pass it as the first argument, ' +
          '`new BackgroundSyncService(client, options)`, with `client = await createClient({ store, transport })`.',
      );
    }
    this.#client = client;
    this.#engine = new ProgressiveSyncEngine(client);
    this.#timers = options.timers ?? systemTimers;
    this.#network = options.network ?? alwaysOnline;
    this.#intervalMs = whole(options.intervalMs, 15 * 60_000, 1, 'intervalMs');
    this.#debounceMs = whole(options.debounceMs, 2000, 0, 'debounceMs');
    this.#limits = { maxRuns: whole(options.history?.maxRuns, DEFAULT_JOB_HISTORY.maxRuns, 1, 'history.maxRuns'), maxAgeMs: whole(options.history?.maxAgeMs, DEFAULT_JOB_HISTORY.maxAgeMs, 1, 'history.maxAgeMs') };
    this.#claimMs = whole(options.claimMs, 60_000, 1, 'claimMs');
  }

  /** Loads the stored jobs and starts their triggers; jobs that fell due meanwhile run now. Idempotent. */
  initialize(): Promise<void> {
    // A failed load (store unreadable) is not cached: the next call tries again.
    this.#ready ??= this.#load().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  /** Whether this runtime has the Service Worker Background Sync API (browsers only). */
  isBackgroundSyncAvailable(): boolean {
    const g = globalThis as { navigator?: { serviceWorker?: unknown }; SyncManager?: unknown };
    return g.navigator?.serviceWorker !== undefined && g.SyncManager !== undefined;
  }

  /** Register a job, durably (it is in the store when this resolves); returns its id. */
  async scheduleSync(options: SyncOptions, trigger: BackgroundTrigger, priority: SyncPriority = 'low', schedule: JobSchedule = {}): Promise<string> {
    await this.initialize();
    this.#assertOpen();
    if (!(jobTriggers as readonly string[]).includes(trigger)) throw new InvalidArgumentError(`trigger must be one of ${jobTriggers.join(', ')}; got ${String(trigger)}.`);
    const now = this.#timers.now();
    const intervalMs = whole(schedule.intervalMs, this.#intervalMs, 1, 'schedule.intervalMs');
    const nextDueAt = trigger === 'periodic' ? now + intervalMs : trigger === 'manual' ? now : null;
    const parsed = storedJobSchema.safeParse({
      v: 1, id: `job-${randomId(8)}`, trigger, options: { ...options }, priority, intervalMs,
      debounceMs: whole(schedule.debounceMs, this.#debounceMs, 0, 'schedule.debounceMs'),
      createdAt: now, nextDueAt, attempts: 0, runs: 0, claimedUntil: null, lastRun: null,
    });
    if (!parsed.success) throw new InvalidArgumentError(`scheduleSync: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? 'invalid'} (options must be the seed's SyncOptions, priority high|normal|low).`);
    await this.#client.store.write((tx) => putJob(tx, parsed.data));
    this.#adopt(parsed.data);
    this.#schedule();
    return parsed.data.id;
  }

  /** Run every pending job now (due, or retrying after a failure), manual ones included. */
  async executePendingJobs(): Promise<void> {
    await this.initialize();
    const now = this.#timers.now();
    const pending = [...this.#jobs.values()].filter((e) => isPending(e.job, now));
    await Promise.all(pending.map((e) => this.#run(e, true)));
  }

  /** The jobs this service knows (loaded at start, or scheduled here), as of now. */
  jobs(): BackgroundJob[] {
    const now = this.#timers.now();
    return [...this.#jobs.values()].map(({ job }) => ({
      id: job.id,
      trigger: job.trigger,
      options: job.options as SyncOptions,
      priority: job.priority,
      pending: isPending(job, now),
      nextDueAt: job.nextDueAt ?? undefined,
      runs: job.runs,
      attempts: job.attempts,
      lastRun: job.lastRun === null ? undefined : { ...job.lastRun, error: job.lastRun.error ?? undefined },
    }));
  }

  /** Job runs, newest first, from the store (every tab's and process's runs). */
  async history(query: JobHistoryQuery = {}): Promise<JobRun[]> {
    return this.#client.store.read((tx) => readJobRuns(tx, query));
  }

  /** Remove a job from the store (its history stays); returns whether it existed. */
  async cancelJob(id: string): Promise<boolean> {
    const entry = this.#jobs.get(id);
    entry?.detach();
    this.#jobs.delete(id);
    return this.#client.store.write((tx) => deleteJob(tx, id));
  }

  /** Stops every timer and listener; resolves once running jobs have recorded their runs. Jobs stay stored. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#timers.clearTimeout(this.#timer);
    this.#stopNetwork?.();
    const running = [...this.#jobs.values()].map((e) => e.running);
    for (const entry of this.#jobs.values()) entry.detach();
    this.#jobs.clear();
    await Promise.allSettled(running);
  }

  async #load(): Promise<void> {
    await this.#engine.initialize();
    const stored = await this.#client.store.read(readJobs);
    if (this.#closed) return;
    for (const job of stored) this.#adopt(job);
    this.#stopNetwork = this.#network.subscribe((online) => {
      if (online) this.#schedule();
    });
    this.#schedule();
  }

  #adopt(job: StoredJob): void {
    this.#jobs.get(job.id)?.detach();
    const host = { client: this.#client, network: this.#network, timers: this.#timers, markDue: (id: string, at: number) => this.#markDue(id, at) };
    this.#jobs.set(job.id, { job, detach: armTrigger(host, job), running: undefined, retriggerAt: undefined });
  }

  #markDue(id: string, at: number): void {
    const entry = this.#jobs.get(id);
    if (entry === undefined || this.#closed) return;
    if (entry.running !== undefined) {
      entry.retriggerAt = at;
      return;
    }
    const wasWaiting = entry.job.nextDueAt === null;
    entry.job = { ...entry.job, nextDueAt: at };
    // Persist the first trigger of a burst (a restart then still owes the run); later ones only
    // move the debounce in memory, so a burst of writes costs one extra store write, not one each.
    if (wasWaiting) void this.#persistDue(id, at);
    this.#schedule();
  }

  async #persistDue(id: string, at: number): Promise<void> {
    await this.#client.store
      .write(async (tx) => {
        const job = await readJob(tx, id);
        // While a run holds the job, record the new due time even when an older one is stored: the
        // run's settle keeps it (settledRow), so this trigger is not lost to the run's write-back.
        const running = job !== undefined && job.claimedUntil !== null && job.claimedUntil > this.#timers.now();
        if (job !== undefined && (job.nextDueAt === null || job.nextDueAt > at || running)) await putJob(tx, { ...job, nextDueAt: at });
      })
      .catch(() => undefined); // closed meanwhile: the in-memory due time still runs this session
  }

  /** One timer for the earliest automatic due time; due jobs run at once when the network allows. */
  #schedule(): void {
    this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#closed || this.#ready === undefined) return;
    const now = this.#timers.now();
    let earliest = Infinity;
    for (const entry of this.#jobs.values()) {
      const { job } = entry;
      if (job.trigger === 'manual' || job.nextDueAt === null || entry.running !== undefined) continue;
      const at = Math.max(job.nextDueAt, job.claimedUntil ?? -Infinity);
      if (at <= now && this.#network.isOnline()) void this.#run(entry, false);
      else if (at > now) earliest = Math.min(earliest, at);
    }
    if (earliest !== Infinity) this.#timer = this.#timers.setTimeout(() => this.#schedule(), earliest - now);
  }

  #run(entry: Entry, force: boolean): Promise<void> {
    if (entry.running !== undefined) return entry.running;
    if (this.#closed || !this.#network.isOnline()) return Promise.resolve();
    entry.running = this.#runOnce(entry, force)
      .catch((error: unknown) => this.#storeFailed(entry, error))
      .finally(() => {
        entry.running = undefined;
        this.#schedule();
      });
    return entry.running;
  }

  async #runOnce(entry: Entry, force: boolean): Promise<void> {
    const id = entry.job.id;
    const claimed = await this.#client.store.write((tx) => claimJob(tx, id, this.#timers.now(), this.#claimMs, force));
    if (claimed === undefined) {
      // Cancelled, not due, or another instance runs it: take the stored state as it is.
      const stored = await this.#client.store.read((tx) => readJob(tx, id));
      if (this.#jobs.get(id) !== entry) return;
      if (stored !== undefined) entry.job = stored;
      else {
        // Cancelled by another tab or process: forget it here too.
        entry.detach();
        this.#jobs.delete(id);
      }
      return;
    }
    entry.job = claimed;
    entry.retriggerAt = undefined;
    const startedAt = this.#timers.now();
    // The claim is a lease: renewed while the run goes on, so a run longer than claimMs is not
    // taken for a dead one and run a second time by another tab or process.
    const lease = new ClaimRenewal(this.#client.store, this.#timers, id, claimed.claimedUntil, this.#claimMs);
    let run: Awaited<ReturnType<typeof executeJob>>;
    try {
      run = await executeJob(this.#engine, this.#client.transport, claimed);
    } finally {
      await lease.stop();
    }
    // What settledRow compares with the row: the claim as last renewed, the due time as claimed.
    const ours = { ...claimed, claimedUntil: lease.claimedUntil };
    const at = this.#timers.now();
    let settled = settleJob(claimed, { at, outcome: run.outcome, syncId: run.syncId, error: run.error });
    const again = entry.retriggerAt;
    if (again !== undefined && (settled.nextDueAt === null || again < settled.nextDueAt)) settled = { ...settled, nextDueAt: again };
    await this.#client.store.write(async (tx) => {
      // A job cancelled while it ran is not written back, nor one another instance claimed after
      // this run's lease lapsed; either way the run is still history.
      const current = await readJob(tx, id);
      const row = current === undefined ? undefined : settledRow(current, ours, settled);
      if (row !== undefined) {
        await putJob(tx, row);
        settled = row;
      }
      const record = { jobId: id, trigger: claimed.trigger, outcome: run.outcome, error: run.error, syncId: run.syncId };
      await appendJobRun(tx, { ...record, startedAt, durationMs: at - startedAt, bytesUp: run.bytesUp, bytesDown: run.bytesDown, attempt: claimed.attempts + 1 }, at, this.#limits);
    });
    if (this.#jobs.get(id) === entry) entry.job = settled;
  }

  /**
   * The store refused the claim or the settle, so nothing could be recorded. A closed store or client
   * ends the service; anything else backs the job off in memory, so a failing store is not hammered.
   */
  #storeFailed(entry: Entry, error: unknown): void {
    const code = (error as { code?: unknown }).code;
    if (code === 'store-closed' || code === 'client-closed') {
      void this.close();
      return;
    }
    const attempts = entry.job.attempts + 1;
    entry.job = { ...entry.job, attempts, nextDueAt: this.#timers.now() + retryDelayMs({ attempts, intervalMs: entry.job.intervalMs }) };
  }

  #assertOpen(): void {
    if (this.#closed) throw new InvalidArgumentError('The background sync service is closed; create a new one (its jobs are still in the store).');
  }
}

/** Due now, or retrying after a failure: what `executePendingJobs()` runs. */
function isPending(job: StoredJob, now: number): boolean {
  return job.nextDueAt !== null && (job.nextDueAt <= now || job.attempts > 0);
}

function whole(value: number | undefined, fallback: number, min: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${value}.`);
  return value;
}
