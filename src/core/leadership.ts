/**
 * Who may sync a local database now. A cycle first takes a *term*: the leader lock if the platform
 * has one (leader-lock.ts), then the store lease (lease.ts), renewed every third of its TTL while the
 * cycle runs. A client that finds either taken skips its cycle; if it has writes waiting it then
 * waits for its turn instead of for the next pull interval:
 *
 *  - lock busy  → `whenFree`: the holder finished or died (a crashed tab's Web Lock goes at once);
 *  - lease busy → a timer until the lease row's expiry: a crashed holder stops renewing, so its
 *    lease lapses at most one TTL after its last renewal (takeover ≤ TTL + one store read).
 *
 * Both guards are kept even when the lock exists: a client without a lock on the same store (another
 * app build, a tool) still sees the lease, and the lease renewal notices a takeover by one.
 */
import { SynclineError } from './errors.js';
import type { LeaderLock } from './leader-lock.js';
import { acquireLease, readLease, renewLease } from './lease.js';
import { sleep, type Timers } from './seams.js';
import type { Store } from '../stores/store.js';

/** Default lease TTL: a crashed leader without a lock is replaced within 2.5 s (≤ 2× TTL = 5 s). */
export const DEFAULT_LEASE_MS = 2_500;

export interface LeadershipOptions {
  store: Store;
  /** This client's holder id in the lease row. */
  holder: string;
  timers: Timers;
  ttlMs: number;
  lock: LeaderLock | undefined;
}

/** The right to sync, for one cycle. */
export interface Term {
  /** Aborts when the lease was taken over while the cycle ran (it outlasted a renewal): stop pushing. */
  readonly lost: AbortSignal;
  /** Stop renewing and release the lock (the lease row stays until it lapses or close() drops it). */
  end(): Promise<void>;
}

export type Turn = { term: Term } | { busy: 'lock' | 'lease' };

export class Leadership {
  readonly #o: LeadershipOptions;

  constructor(options: LeadershipOptions) {
    this.#o = options;
  }

  async begin(): Promise<Turn> {
    const { store, holder, timers, ttlMs, lock } = this.#o;
    const release = lock === undefined ? undefined : await lock.tryAcquire();
    if (lock !== undefined && release === undefined) return { busy: 'lock' };
    try {
      if (!(await acquireLease(store, holder, timers.now(), ttlMs, release !== undefined))) {
        await release?.();
        return { busy: 'lease' };
      }
    } catch (error) {
      await release?.();
      throw error;
    }
    return { term: new RenewingTerm(this.#o, release) };
  }

  /**
   * Resolves when trying again may succeed: the lock was free a moment, or the lease row lapsed
   * (`busy` says which one kept the last attempt out). Rejects when `signal` aborts.
   */
  async waitForTurn(busy: 'lock' | 'lease', signal: AbortSignal): Promise<void> {
    const { store, timers, lock } = this.#o;
    if (busy === 'lock' && lock !== undefined) return lock.whenFree(signal);
    const lease = await readLease(store);
    // +1: the row counts as live while expiresAt > now.
    await sleep(timers, lease === undefined ? 0 : Math.max(0, lease.expiresAt - timers.now() + 1), signal);
  }
}

class RenewingTerm implements Term {
  readonly #o: LeadershipOptions;
  readonly #release: (() => Promise<void>) | undefined;
  readonly #lost = new AbortController();
  #timer: unknown;
  #ended = false;

  constructor(options: LeadershipOptions, release: (() => Promise<void>) | undefined) {
    this.#o = options;
    this.#release = release;
    this.#schedule();
  }

  get lost(): AbortSignal {
    return this.#lost.signal;
  }

  async end(): Promise<void> {
    if (!this.#ended) {
      this.#ended = true;
      this.#o.timers.clearTimeout(this.#timer);
    }
    await this.#release?.();
  }

  #schedule(): void {
    this.#timer = this.#o.timers.setTimeout(() => void this.#renew(), Math.max(1, Math.floor(this.#o.ttlMs / 3)));
  }

  async #renew(): Promise<void> {
    if (this.#ended) return;
    const { store, holder, timers, ttlMs } = this.#o;
    let ours: boolean;
    try {
      ours = await renewLease(store, holder, timers.now(), ttlMs);
    } catch {
      ours = true; // the store failed (closing, say): the cycle meets the same failure itself; try again
    }
    if (this.#ended) return;
    if (!ours) {
      this.#lost.abort(new SynclineError('unavailable', 'Another tab or process took over the sync lease while this cycle ran (a renewal came too late, e.g. the event loop was blocked for most of the lease TTL); this cycle stops and the next one continues where it left off.', { retryable: true }));
      return;
    }
    this.#schedule();
  }
}
