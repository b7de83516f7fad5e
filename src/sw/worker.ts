/**
 * The service-worker side of `syncline/sw`: when the browser fires Background Sync (`sync`) or
 * Periodic Background Sync (`periodicsync`) — possibly with no page open — open the app's store and
 * drain its outbox through an ordinary client cycle (push, pull, verify), inside `waitUntil`.
 *
 * ```
 *  sync / periodicsync ─▶ drain ─▶ client.sync() ─┬─ ran: pending 0 ───────────────▶ resolve
 *                          ▲                      ├─ ran: new writes arrived ──────▶ again (≤ maxCycles)
 *                          │                      ├─ failed ───────────────────────▶ reject (browser retries later)
 *                          │                      └─ skipped: a tab holds the lease
 *                          │                             ├─ outbox empty (the tab drained it) ▶ resolve
 *                          └── lease lapsed / poll ◀─────┴─ ask tabs to sync, wait ≤ maxWaitMs ▶ reject
 * ```
 *
 * The worker takes the same leader lock (Web Locks) and lease as the tabs (through the client), so a
 * tab and the worker never push at once: while a live tab leads, the worker waits for the tab to drain or for its lease
 * to lapse (a closed or crashed tab stops renewing it). Each drain opens a client and closes it
 * after, which releases the lease at once instead of keeping the tabs off it for a lease TTL.
 */
import { createClient, type ClientOptions } from '../core/client.js';
import { SynclineError } from '../core/errors.js';
import { readLease } from '../core/lease.js';
import { sleep, systemTimers, type Timers } from '../core/seams.js';
import type { TabChannel } from '../core/tab-channel.js';
import type { Store } from '../stores/store.js';
import type { Transport } from '../transport/transport.js';

/** The part of a service worker's global scope used here (typed locally: apps compile with DOM types). */
export interface WorkerScopeLike {
  addEventListener(type: string, listener: (event: never) => void): void;
  removeEventListener(type: string, listener: (event: never) => void): void;
}

/** A `sync` / `periodicsync` event: an ExtendableEvent with the tag it was registered under. */
export interface TaggedExtendableEvent {
  readonly tag: string;
  waitUntil(promise: Promise<unknown>): void;
}

export type WorkerDrainTrigger = 'sync' | 'periodicsync' | 'manual';

export interface WorkerDrainReport {
  trigger: WorkerDrainTrigger;
  /** Cycles that ran (not skipped for a tab's lease). */
  cycles: number;
  /** Mutations the server applied or rejected during this drain. */
  pushed: number;
  /** Time spent waiting for a tab that held the lease. */
  waitedMs: number;
  /** True when a tab held the lease and emptied the outbox itself. */
  drainedByTab: boolean;
}

export interface SynclineWorkerOptions {
  /**
   * The app's local store, or a function that opens it. A function (recommended:
   * `() => openIndexedDbStore('app')`) opens the store per drain and closes it after, so the worker
   * keeps no IndexedDB connection open between events (an open one would block a page's upgrade).
   */
  store: Store | (() => Store | Promise<Store>);
  /** How to reach the server, e.g. `createHttpTransport({ url: self.location.origin, token })`. */
  transport: Transport;
  /** The Background Sync tag to answer. Default `'syncline'` (the page helper's default). */
  tag?: string;
  /** The Periodic Background Sync tag to answer. Default `'syncline-periodic'`. */
  periodicTag?: string;
  /**
   * The tab channel of the app's pages (`broadcastTabChannel(name)`): the worker tells tabs what it
   * pulled and asks a leading tab to sync while it waits. The app owns it.
   */
  tabs?: TabChannel;
  /** More client options for the worker's client (mutators, leaseMs, pushBatchSize, logger, …). */
  client?: Omit<ClientOptions, 'store' | 'transport' | 'autoSync' | 'closeStore' | 'tabs' | 'timers'>;
  /** How long a drain waits for a tab holding the lease before failing (the browser retries later). Default 60 000. */
  maxWaitMs?: number;
  /** How often a waiting drain looks at the outbox and the lease again. Default 500. */
  pollMs?: number;
  /** Cycles per drain while new writes keep arriving. Default 5. */
  maxCycles?: number;
  /** Called after each drain, with its report or its error (e.g. to post to clients or log). */
  onDrain?: (outcome: { ok: true; report: WorkerDrainReport } | { ok: false; trigger: WorkerDrainTrigger; error: unknown }) => void;
  /** Where to listen. Default `globalThis` (the worker's `self`). */
  scope?: WorkerScopeLike;
  timers?: Timers;
}

export interface SynclineWorker {
  /** Drain now (what a `sync` event does); concurrent calls share one drain. */
  drain(trigger?: WorkerDrainTrigger): Promise<WorkerDrainReport>;
  /** Stop answering events. */
  close(): void;
}

const DEFAULTS = { tag: 'syncline', periodicTag: 'syncline-periodic', maxWaitMs: 60_000, pollMs: 500, maxCycles: 5 };

/**
 * Answer Background Sync and Periodic Background Sync in a service worker by draining the outbox.
 * Call it once, synchronously, at the top level of the worker script (browsers only deliver events
 * to listeners added during the script's first evaluation).
 * @example
 * // sw.ts, bundled with `esbuild sw.ts --bundle --format=esm --outfile=sw.js`
 * registerSynclineWorker({
 *   store: () => openIndexedDbStore('till'),
 *   transport: createHttpTransport({ url: self.location.origin, token: 'till' }),
 * });
 */
export function registerSynclineWorker(options: SynclineWorkerOptions): SynclineWorker {
  const scope = options.scope ?? (globalThis as unknown as WorkerScopeLike);
  const tag = options.tag ?? DEFAULTS.tag;
  const periodicTag = options.periodicTag ?? DEFAULTS.periodicTag;
  let running: Promise<WorkerDrainReport> | undefined;
  const drain = (trigger: WorkerDrainTrigger = 'manual'): Promise<WorkerDrainReport> => {
    // sync and periodicsync can fire together: one drain, both events wait for it.
    running ??= drainOnce(options, trigger).finally(() => (running = undefined));
    return running;
  };
  const reported = (trigger: WorkerDrainTrigger): Promise<WorkerDrainReport> =>
    drain(trigger).then(
      (report) => {
        options.onDrain?.({ ok: true, report });
        return report;
      },
      (error: unknown) => {
        options.onDrain?.({ ok: false, trigger, error });
        throw error; // a rejected waitUntil tells the browser to retry the sync later
      },
    );
  const onSync = (event: TaggedExtendableEvent): void => {
    if (event.tag === tag) event.waitUntil(reported('sync'));
  };
  const onPeriodicSync = (event: TaggedExtendableEvent): void => {
    if (event.tag === periodicTag) event.waitUntil(reported('periodicsync'));
  };
  scope.addEventListener('sync', onSync as (event: never) => void);
  scope.addEventListener('periodicsync', onPeriodicSync as (event: never) => void);
  return {
    drain: reported,
    close() {
      scope.removeEventListener('sync', onSync as (event: never) => void);
      scope.removeEventListener('periodicsync', onPeriodicSync as (event: never) => void);
    },
  };
}

async function drainOnce(options: SynclineWorkerOptions, trigger: WorkerDrainTrigger): Promise<WorkerDrainReport> {
  const timers = options.timers ?? systemTimers;
  const owned = typeof options.store === 'function';
  const store = typeof options.store === 'function' ? await options.store() : options.store;
  const client = await createClient({
    ...options.client,
    store,
    transport: options.transport,
    autoSync: false,
    closeStore: owned,
    timers,
    ...(options.tabs === undefined ? {} : { tabs: options.tabs }),
  }).catch(async (error: unknown) => {
    if (owned) await store.close();
    throw error;
  });
  const report: WorkerDrainReport = { trigger, cycles: 0, pushed: 0, waitedMs: 0, drainedByTab: false };
  const maxCycles = options.maxCycles ?? DEFAULTS.maxCycles;
  const deadline = timers.now() + (options.maxWaitMs ?? DEFAULTS.maxWaitMs);
  try {
    for (;;) {
      const result = await client.sync().result;
      if (!result.skipped) {
        report.cycles += 1;
        report.pushed += result.pushed.applied + result.pushed.rejected;
        if ((await client.pendingCount()) === 0) return report;
        if (report.cycles >= maxCycles) {
          throw new SynclineError('unavailable', `The outbox still had writes after ${maxCycles} cycles in the service worker (new writes keep arriving); the browser will fire the sync again.`, { retryable: true });
        }
        continue;
      }
      // A tab (or another worker drain) leads. It drains by itself; ask it to, in case it is backing off.
      if ((await client.pendingCount()) === 0) {
        report.drainedByTab = true;
        return report;
      }
      options.tabs?.post({ v: 1, type: 'sync.requested' });
      const now = timers.now();
      if (now >= deadline) {
        throw new SynclineError('unavailable', `Another tab held the sync lease for ${options.maxWaitMs ?? DEFAULTS.maxWaitMs} ms with writes still pending; the browser will fire the sync again.`, { retryable: true });
      }
      const lease = await readLease(store);
      const untilLapse = lease === undefined ? 0 : Math.max(0, lease.expiresAt - now + 1);
      const wait = Math.min(untilLapse, options.pollMs ?? DEFAULTS.pollMs, deadline - now);
      await sleep(timers, wait);
      report.waitedMs += wait;
    }
  } finally {
    await client.close();
  }
}
