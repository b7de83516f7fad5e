/**
 * The sync request queue: requests wait by priority (high before normal before low, FIFO within one),
 * identical queued requests share one handle, and at most `concurrency` run at once. One queue can be
 * shared by many clients (a Node process running a client per tenant) to bound their total work;
 * each client's own cycles are always serialised anyway, since they share one outbox and cursor.
 */
import { AbortedError } from './errors.js';
import type { SyncCycleResult } from './events.js';

export type SyncPriority = 'high' | 'normal' | 'low';
const RANK: Record<SyncPriority, number> = { high: 0, normal: 1, low: 2 };

export type SyncRequestState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface SyncProgress {
  phase: string;
  done: number;
  total: number | undefined;
  bytesUp: number;
  bytesDown: number;
}

/** A queued or running sync: await it (it is a promise of the result), watch it, or cancel it. */
export class SyncHandle implements Promise<SyncCycleResult> {
  readonly result: Promise<SyncCycleResult>;
  readonly [Symbol.toStringTag] = 'SyncHandle';
  #state: SyncRequestState = 'queued';
  #syncId: string | undefined;
  #progress: SyncProgress | undefined;
  readonly #controller = new AbortController();
  #settle!: { resolve: (r: SyncCycleResult) => void; reject: (e: unknown) => void };
  #onCancelQueued: (() => void) | undefined;

  constructor(readonly key: string, public priority: SyncPriority) {
    this.result = new Promise((resolve, reject) => (this.#settle = { resolve, reject }));
    // Nobody may be awaiting a background request; its failure is reported through events instead.
    this.result.catch(() => undefined);
  }

  get state(): SyncRequestState {
    return this.#state;
  }

  /** The id of the cycle running this request (as in `sync.*` events), once it started. */
  get syncId(): string | undefined {
    return this.#syncId;
  }

  /** The latest progress report of the running cycle (undefined before it starts). */
  progress(): SyncProgress | undefined {
    return this.#progress;
  }

  /**
   * Cancel: a queued request is dropped at once; a running one stops at the next safe point (between
   * committed steps), leaving checkpoints the next cycle continues from. Returns false when already done.
   */
  cancel(): boolean {
    if (this.#state === 'queued') {
      this.#onCancelQueued?.();
      this.#finish('cancelled', undefined, new AbortedError('The sync request was cancelled before it started.'));
      return true;
    }
    if (this.#state === 'running') {
      this.#controller.abort(new AbortedError('The sync was cancelled.'));
      return true;
    }
    return false;
  }

  then<A = SyncCycleResult, B = never>(
    onfulfilled?: ((value: SyncCycleResult) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.result.then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<SyncCycleResult | B> {
    return this.result.catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<SyncCycleResult> {
    return this.result.finally(onfinally);
  }

  /** @internal */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** @internal */
  reportProgress(progress: SyncProgress): void {
    this.#progress = progress;
  }

  /** @internal */
  markStarted(syncId: string): void {
    this.#syncId = syncId;
  }

  /** @internal */
  markRunning(): void {
    this.#state = 'running';
  }

  /** @internal */
  onCancelWhileQueued(fn: () => void): void {
    this.#onCancelQueued = fn;
  }

  /** @internal */
  finish(result: SyncCycleResult | undefined, error?: unknown): void {
    this.#finish(error === undefined ? 'completed' : this.#controller.signal.aborted ? 'cancelled' : 'failed', result, error);
  }

  #finish(state: SyncRequestState, result: SyncCycleResult | undefined, error: unknown): void {
    if (this.#state === 'completed' || this.#state === 'failed' || this.#state === 'cancelled') return;
    this.#state = state;
    if (error === undefined && result !== undefined) this.#settle.resolve(result);
    else this.#settle.reject(error);
  }
}

interface Job {
  handle: SyncHandle;
  seq: number;
  run(handle: SyncHandle): Promise<SyncCycleResult>;
}

export interface SyncQueueOptions {
  /** Cycles running at once across every client using this queue. Default 1. */
  concurrency?: number;
}

export class SyncQueue {
  readonly #concurrency: number;
  readonly #waiting: Job[] = [];
  #running = 0;
  #seq = 0;

  constructor(options: SyncQueueOptions = {}) {
    this.#concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Queue a request. `key` identifies identical requests: while one with the same key is still
   * waiting, the same handle is returned (its priority raised if the new one is more urgent).
   */
  enqueue(key: string, priority: SyncPriority, run: (handle: SyncHandle) => Promise<SyncCycleResult>): SyncHandle {
    const same = this.#waiting.find((job) => job.handle.key === key);
    if (same !== undefined) {
      if (RANK[priority] < RANK[same.handle.priority]) same.handle.priority = priority;
      return same.handle;
    }
    const handle = new SyncHandle(key, priority);
    const job: Job = { handle, seq: this.#seq++, run };
    handle.onCancelWhileQueued(() => {
      const at = this.#waiting.indexOf(job);
      if (at >= 0) this.#waiting.splice(at, 1);
    });
    this.#waiting.push(job);
    // Start on the next microtask so requests made in the same tick are ordered by priority first.
    queueMicrotask(() => this.#pump());
    return handle;
  }

  #pump(): void {
    while (this.#running < this.#concurrency && this.#waiting.length > 0) {
      this.#waiting.sort((a, b) => RANK[a.handle.priority] - RANK[b.handle.priority] || a.seq - b.seq);
      const job = this.#waiting.shift();
      if (job === undefined) return;
      this.#running += 1;
      job.handle.markRunning();
      void job.run(job.handle).then(
        (result) => job.handle.finish(result),
        (error: unknown) => job.handle.finish(undefined, error),
      ).finally(() => {
        this.#running -= 1;
        this.#pump();
      });
    }
  }
}

export function createSyncQueue(options?: SyncQueueOptions): SyncQueue {
  return new SyncQueue(options);
}
