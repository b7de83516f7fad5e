/** `useSyncStatus()`: the sync phase, online state, last success and last error. */
import { useMemo, useSyncExternalStore } from 'react';
import type { SynclineClient } from '../core/client.js';
import type { SynclineError } from '../core/errors.js';
import type { SyncEvent, SyncPhaseName } from '../core/events.js';
import type { ClientStatus } from '../core/client-options.js';
import { useSyncline } from './context.js';

export interface SyncStatus {
  /**
   * `loading` only while server-rendering (and hydrating): the client's state is not known there.
   * `idle` between cycles; otherwise the phase of the running cycle.
   */
  phase: 'loading' | 'idle' | SyncPhaseName;
  syncing: boolean;
  online: boolean;
  /** Client clock (ms) when this client's last cycle completed. */
  lastSyncAt: number | undefined;
  /** The last failure; cleared by the next completed cycle. */
  error: SynclineError | undefined;
  /** Progress of the running cycle's push, pull or repair (items done of total, when known). */
  progress: { phase: 'push' | 'pull' | 'repair'; done: number; total: number | undefined } | undefined;
}

/** The server snapshot: documented, frozen, one object. */
export const SERVER_SYNC_STATUS: SyncStatus = Object.freeze({ phase: 'loading', syncing: false, online: false, lastSyncAt: undefined, error: undefined, progress: undefined });

const serverStatus = (): SyncStatus => SERVER_SYNC_STATUS;

/** Follows the client's events; the snapshot is rebuilt only when `client.status()` or the phase changed. */
class SyncStatusStore {
  readonly #client: SynclineClient;
  #basis: ClientStatus | undefined;
  #phase: SyncPhaseName | undefined;
  #progress: SyncStatus['progress'];
  #snapshot: SyncStatus = SERVER_SYNC_STATUS;

  constructor(client: SynclineClient) {
    this.#client = client;
  }

  readonly #listeners = new Set<() => void>();
  #unsubscribe: (() => void) | undefined;

  /** One client listener however many components watch; each change is announced to all of them. */
  readonly subscribe = (onChange: () => void): (() => void) => {
    this.#listeners.add(onChange);
    this.#unsubscribe ??= this.#client.subscribe((event) => this.#onEvent(event));
    return () => {
      this.#listeners.delete(onChange);
      if (this.#listeners.size > 0) return;
      this.#unsubscribe?.();
      this.#unsubscribe = undefined;
    };
  };

  #onEvent(event: SyncEvent): void {
    if (event.type === 'sync.started') [this.#phase, this.#progress] = [undefined, undefined];
    else if (event.type === 'sync.phase' && event.state === 'started') this.#phase = event.phase;
    else if (event.type === 'sync.progress') this.#progress = { phase: event.phase, done: event.done, total: event.total };
    const before = this.#snapshot;
    if (this.#rebuild() === before) return;
    for (const listener of [...this.#listeners]) listener();
  }

  // client.status() is replaced, never mutated, so its identity says whether it changed.
  readonly getSnapshot = (): SyncStatus => (this.#client.status() === this.#basis ? this.#snapshot : this.#rebuild());

  #rebuild(): SyncStatus {
    const status = this.#client.status();
    this.#basis = status;
    const next: SyncStatus = {
      phase: status.syncing ? (this.#phase ?? 'validate') : 'idle',
      syncing: status.syncing,
      online: status.online,
      lastSyncAt: status.lastSyncAt,
      error: status.lastError,
      progress: status.syncing ? this.#progress : undefined,
    };
    if (!sameStatus(next, this.#snapshot)) this.#snapshot = next;
    return this.#snapshot;
  }
}

function sameStatus(a: SyncStatus, b: SyncStatus): boolean {
  const p = a.progress;
  const q = b.progress;
  const sameProgress = p === q || (p !== undefined && q !== undefined && p.phase === q.phase && p.done === q.done && p.total === q.total);
  return a.phase === b.phase && a.syncing === b.syncing && a.online === b.online && a.lastSyncAt === b.lastSyncAt && a.error === b.error && sameProgress;
}

const stores = new WeakMap<SynclineClient, SyncStatusStore>();

/** The client's sync state, re-rendered as cycles start, pass phases, complete or fail, and on reconnects. */
export function useSyncStatus(): SyncStatus {
  const client = useSyncline();
  const store = useMemo(() => {
    let s = stores.get(client);
    if (s === undefined) stores.set(client, (s = new SyncStatusStore(client)));
    return s;
  }, [client]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, serverStatus);
}
