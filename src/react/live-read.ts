/**
 * An async read of the local store kept live for React's `useSyncExternalStore`.
 *
 *   idle ──subscribe (first)──▶ watching: read now; every change → read again ──unsubscribe (last)──▶ idle
 *
 * Guarantees the hooks rely on:
 * - `getSnapshot` returns the same object until a read brought something different (React compares
 *   snapshots with Object.is: a fresh object per call makes it re-render forever).
 * - At most one read runs at a time; changes during it mark the view stale and one more read follows,
 *   so a burst of writes costs two reads, and results land in the order the reads began — an older
 *   read can never overwrite a newer value.
 * - Once the last subscriber left, results of reads still in flight are dropped: no update reaches an
 *   unmounted component, and no client listener is left behind.
 */
import { toSynclineError } from '../core/errors.js';
import { jsonEqual, LOADING, type Loadable } from './loadable.js';

export interface LiveReadSource<T> {
  /** Read the current value from the local store. */
  read(): Promise<T>;
  /** Call `onChange` whenever a read might return something new; returns the unsubscribe. */
  watch(onChange: () => void): () => void;
  /** Whether two values read show the same thing (default: JSON structural equality). */
  equal?(a: T, b: T): boolean;
}

export interface LiveReadHooks {
  /** The first subscriber arrived. */
  onActive?(): void;
  /** The last subscriber left. */
  onIdle?(): void;
}

export class LiveRead<T> {
  readonly #source: LiveReadSource<T>;
  readonly #hooks: LiveReadHooks;
  readonly #listeners = new Set<() => void>();
  #snapshot: Loadable<T> = LOADING;
  #stopWatching: (() => void) | undefined;
  #reading = false;
  #stale = false;
  /** Bumped on every start and stop: a read begun in an earlier epoch must not land. */
  #epoch = 0;

  constructor(source: LiveReadSource<T>, hooks: LiveReadHooks = {}) {
    this.#source = source;
    this.#hooks = hooks;
  }

  readonly getSnapshot = (): Loadable<T> => this.#snapshot;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.#start();
    return () => {
      if (!this.#listeners.delete(listener) || this.#listeners.size > 0) return;
      this.#stop();
    };
  };

  /** Subscribers now (for tests and diagnostics). */
  get subscribers(): number {
    return this.#listeners.size;
  }

  #start(): void {
    this.#epoch++;
    this.#hooks.onActive?.();
    this.#stopWatching = this.#source.watch(() => this.#invalidate());
    this.#invalidate();
  }

  #stop(): void {
    this.#epoch++;
    this.#stopWatching?.();
    this.#stopWatching = undefined;
    this.#reading = false;
    this.#stale = false;
    this.#hooks.onIdle?.();
  }

  #invalidate(): void {
    if (this.#reading) this.#stale = true;
    else void this.#read();
  }

  async #read(): Promise<void> {
    const epoch = this.#epoch;
    this.#reading = true;
    this.#stale = false;
    let next: Loadable<T>;
    try {
      next = { status: 'ready', data: await this.#source.read(), error: undefined };
    } catch (raw) {
      next = { status: 'error', data: this.#snapshot.data, error: toSynclineError(raw, 'Reading from the local store failed') };
    }
    if (epoch !== this.#epoch) return; // unsubscribed meanwhile: drop it (a restart began its own read)
    this.#reading = false;
    this.#publish(next);
    if (this.#stale) this.#invalidate();
  }

  #publish(next: Loadable<T>): void {
    const current = this.#snapshot;
    if (next.status === 'ready' && current.status === 'ready' && (this.#source.equal ?? jsonEqual)(current.data, next.data)) return;
    if (next.status === 'error' && current.status === 'error' && current.error.message === next.error.message) return;
    this.#snapshot = next;
    for (const listener of [...this.#listeners]) listener();
  }
}
