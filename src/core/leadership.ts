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
import { acquireLease, readLease } from './lease.js';
import { sleep, type Timers } from './seams.js';
import type { Store } from '../stores/store.js';
import { webLocksLeaderLock } from './web-locks.js';

export interface LeadershipOptions {
  store: Store;
  /** This client's holder id in the lease row. */
  holder: string;
  timers: Timers;
  ttlMs: number;
  /** Default: Web Locks where the platform has them (webLocksLeaderLock(store.name)); false: none. */
  lock: LeaderLock | false | undefined;
}

/** The right to sync, for one cycle. */
export interface Term {
  /** Aborts when the lease was taken over while the cycle ran (it outlasted a renewal): stop pushing. */
  readonly lost: AbortSignal;
  /** Stop renewing and release the lock (the lease row stays until it lapses or close() drops it). */
  end(): Promise<void>;
}

export type Turn = { term: Term } | { busy: 'lock' | 'lease' };

interface Resolved extends LeadershipOptions {
  lock: LeaderLock | undefined;
}

export class Leadership {
  readonly #o: Resolved;
  /** A skipped client with writes waiting is waiting for its turn. */
  #waiting = false;

  constructor(options: LeadershipOptions) {
    this.#o = { ...options, lock: options.lock === false ? undefined : (options.lock ?? webLocksLeaderLock(options.store.name)) };
  }

  /**
   * A term, or undefined when another holder syncs. Then, given `kick`, if `pending()` writes wait
   * it waits for its turn (below) and calls `kick` if they still wait — once at a time; `signal`
   * (the client's close) ends the wait.
   */
  async take(kick: (() => void) | undefined, pending: () => Promise<number>, signal: AbortSignal): Promise<Term | undefined> {
    const turn = await this.begin();
    if ('term' in turn) return turn.term;
    if (kick !== undefined && !this.#waiting) {
      this.#waiting = true;
      const waits = async (): Promise<boolean> => !signal.aborted && (await pending()) > 0;
      void (async () => {
        if (!(await waits())) return;
        await this.waitForTurn(turn.busy, signal);
        if (await waits()) kick();
      })()
        .catch(() => undefined) // closed meanwhile (the wait aborts), or the store failed: the next cycle reports that
        .finally(() => (this.#waiting = false));
    }
    return undefined;
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
  readonly #o: Resolved;
  readonly #release: (() => Promise<void>) | undefined;
  readonly #lost = new AbortController();
  #timer: unknown;
  #ended = false;

  constructor(options: Resolved, release: (() => Promise<void>) | undefined) {
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
      // Taking it again is renewing: it succeeds while the row is ours (or lapsed and still free),
      // and fails once another client took it over.
      ours = await acquireLease(store, holder, timers.now(), ttlMs, this.#release !== undefined);
    } catch {
      ours = true; // the store failed (closing, say): the cycle meets the same failure itself; try again
    }
    if (this.#ended) return;
    if (!ours) {
      this.#lost.abort(new SynclineError('unavailable', 'Another tab or process took over the sync lease (this cycle renewed it too late); the next cycle continues.', { retryable: true }));
      return;
    }
    this.#schedule();
  }
}
