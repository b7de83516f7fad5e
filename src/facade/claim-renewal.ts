/**
 * Keeps a background job's claim alive while its run goes on: every third of the lease, the claim is
 * extended in a write transaction if it is still ours. A process that dies stops renewing, so its
 * claim still lapses and another instance takes the job over — the lease keeps that property, it
 * only stops a long run from being mistaken for a dead one.
 */
import { renewClaim } from '../core/job-store.js';
import type { Timers } from '../core/seams.js';
import type { Store } from '../stores/store.js';

export class ClaimRenewal {
  readonly #store: Store;
  readonly #timers: Timers;
  readonly #id: string;
  readonly #leaseMs: number;
  #claimedUntil: number | null;
  #timer: unknown;
  #writing: Promise<void> | undefined;
  #stopped = false;

  constructor(store: Store, timers: Timers, id: string, claimedUntil: number | null, leaseMs: number) {
    this.#store = store;
    this.#timers = timers;
    this.#id = id;
    this.#leaseMs = leaseMs;
    this.#claimedUntil = claimedUntil;
    this.#arm();
  }

  /** The claim as last written by us (null once it was lost to another instance). */
  get claimedUntil(): number | null {
    return this.#claimedUntil;
  }

  /** No more renewals; resolves once a renewal being written has landed, so the row and we agree. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#writing;
  }

  #arm(): void {
    if (this.#stopped || this.#claimedUntil === null) return;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#writing = this.#renew().finally(() => {
        this.#writing = undefined;
        this.#arm();
      });
    }, Math.max(1, Math.floor(this.#leaseMs / 3)));
  }

  async #renew(): Promise<void> {
    const ours = this.#claimedUntil;
    try {
      const renewed = await this.#store.write((tx) => renewClaim(tx, this.#id, ours, this.#timers.now() + this.#leaseMs));
      this.#claimedUntil = renewed ?? null;
    } catch {
      // A store that refuses the write (closed, failing): the claim lapses as it would without us,
      // and settling the run finds out what happened to the row.
    }
  }
}
