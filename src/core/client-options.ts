/** The client's options, request and status shapes, and the small helpers that check them. */
import { InvalidArgumentError, type SynclineError } from './errors.js';
import type { SyncDirection } from './cycle-context.js';
import type { WatchdogOptions } from './drain-monitor.js';
import type { LocalMutator } from './mutators.js';
import type { IndexDeclarations } from './query-index.js';
import type { LeaderLock } from './leader-lock.js';
import type { SyncPlanner } from './planner.js';
import type { SyncPlugin } from './plugins.js';
import type { RetryPolicy } from './retry-policy.js';
import type { Logger, NetworkStatus, Timers } from './seams.js';
import type { SyncPriority, SyncQueue } from './sync-queue.js';
import type { Store } from '../stores/store.js';
import type { StorageWatchFactory } from './storage-guard.js';
import type { TabChannel } from './tab-channel.js';
import type { RealtimeChannel } from '../transport/realtime.js';
import type { Transport } from '../transport/transport.js';

export interface ClientOptions {
  /** Durable local store (e.g. `openSqliteStore` from `syncline/sqlite`, or `createMemoryStore`). */
  store: Store;
  /** How to reach the server (e.g. `createHttpTransport({ url, token })`). */
  transport: Transport;
  /** Hooks around the sync cycle, run in order; see `SyncPlugin`. */
  plugins?: readonly SyncPlugin[];
  /**
   * Query indexes per collection: a field, or a list of fields for a compound index. Kept in the
   * store in the same transaction as the records; `collection.query` uses the one that covers it.
   * @example { receipts: ['issuedAt', ['status', 'issuedAt']], products: ['barcode'] }
   */
  indexes?: IndexDeclarations;
  /** Optimistic local effects of named mutations, by name. */
  mutators?: Record<string, LocalMutator>;
  /** Sync in the background: after writes, on reconnect, every `pullIntervalMs`. Default true. */
  autoSync?: boolean;
  /**
   * Most mutations per push request. Default: the planner's, else 500. A request also stops before
   * its mutations pass 256 Ki characters of JSON, so large values travel in smaller batches.
   */
  pushBatchSize?: number;
  /** Changes per pull page. Default: the planner's, else 1000. */
  pullPageSize?: number;
  /** Chooses batch sizes and timeouts per cycle (e.g. from measured link quality). */
  planner?: SyncPlanner;
  /** Background pull interval in ms; 0 disables. Default 30 000. */
  pullIntervalMs?: number;
  /** Per-request deadline in ms. Default: the planner's, else 30 000. */
  requestTimeoutMs?: number;
  /** Requests a cycle may have in flight (2 = pull one page ahead, push one batch ahead); see `SyncPlan.concurrency`. Default: the planner's, else 2. */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  /**
   * Leader lease TTL in ms (one tab/process per database drains the outbox). The holder renews it
   * while it syncs; a crashed holder's lease lapses within one TTL, and a client with writes waiting
   * takes over then (without a leader lock, see `leaderLock`). Default 2 500.
   */
  leaseMs?: number;
  /**
   * The lock a client holds while it syncs, shared by every tab/worker/process on this database; its
   * holder's death frees it at once, so a crashed leader is replaced immediately. Default: Web Locks
   * (`webLocksLeaderLock(store.name)`) where the platform has `navigator.locks`, else none (the lease
   * alone). `false` turns it off. See leader-lock.ts for the contract.
   */
  leaderLock?: LeaderLock | false;
  /** Queue shared with other clients to bound how many cycles run at once. Default: a private queue. */
  queue?: SyncQueue;
  /**
   * Check local confirmed state against the server's digests after pulling, repairing a collection
   * that differs. Usually the check compares digest lanes kept up to date with every confirmed change
   * (cost independent of how many records are stored); background cycles run it at most every
   * `intervalMs` (default 30 000), cycles the app requests with `sync()` always do. A full recount,
   * which re-hashes every stored record (~5 µs each) and so also catches damage done to the database
   * behind syncline's back, runs on the first verifying cycle after the client opens, on
   * `sync({ verify: 'full' })`, and at most every `fullIntervalMs` (default 86 400 000, a day).
   * `false` turns the check off. Default `{ intervalMs: 30_000, fullIntervalMs: 86_400_000 }`.
   */
  verify?: boolean | VerifyOptions;
  /**
   * Re-drive a queue that has pending work and no successful cycle for `stalledAfterMs` (default
   * 120 000) and emit `sync.stalled`; `false` turns the watchdog off. See `client.metrics()`.
   */
  watchdog?: WatchdogOptions | false;
  /** Sync cycles kept in the local run history. Default 50. */
  historyLimit?: number;
  /**
   * Tells other tabs/workers on the same local database what changed and asks the leader to sync
   * (e.g. `broadcastTabChannel('pos')`). The app owns it: close() unsubscribes but does not close it.
   */
  tabs?: TabChannel;
  /**
   * Server pokes (e.g. `createSsePokes({ url, token })`): a poke newer than this client's cursor
   * starts a pull at once. The app owns it: close() unsubscribes but does not close it.
   */
  realtime?: RealtimeChannel;
  /**
   * Storage-loss detection (`watchStorage({ installId })`): asks for persistent storage, reports it
   * in `metrics().storage`, emits `storage.at-risk` and `storage.lost`. Default: off ('unknown').
   */
  storage?: StorageWatchFactory;
  /** close() also closes the store. Default true. */
  closeStore?: boolean;
  timers?: Timers;
  network?: NetworkStatus;
  logger?: Logger;
  /** Random numbers in [0,1) for backoff jitter. Default Math.random. */
  random?: () => number;
}

export interface VerifyOptions {
  /** Background cycles verify at most this often (ms). Default 30 000. */
  intervalMs?: number;
  /** A full recount runs at most this often (ms), besides the first verify after open. Default a day. */
  fullIntervalMs?: number;
}

export const DEFAULT_VERIFY_INTERVAL_MS = 30_000;
/** Default lease TTL: without a leader lock a crashed leader is replaced within 2.5 s (≤ 2× TTL, ≤ 5 s). */
export const DEFAULT_LEASE_MS = 2_500;
export const DEFAULT_FULL_VERIFY_INTERVAL_MS = 24 * 60 * 60 * 1000;

export interface SyncRequest {
  /** Queue order: high before normal before low. Default normal. */
  priority?: SyncPriority;
  /** Push only, pull only, or both (default). */
  direction?: SyncDirection;
  /** Pull only these collections (does not advance the cursor; the next full pull completes it). */
  collections?: readonly string[];
  /** Cancels like `handle.cancel()`. */
  signal?: AbortSignal;
  /**
   * `'full'`: verify by re-hashing every stored record (a full recount), not just the maintained
   * digest lanes — e.g. after restoring a backup or when support suspects a damaged database.
   */
  verify?: 'full';
}

export interface ClientStatus {
  online: boolean;
  syncing: boolean;
  lastError: SynclineError | undefined;
  lastSyncAt: number | undefined;
  /** Id of the most recent cycle that ran (not skipped). */
  lastSyncId?: string;
}

export function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}.`);
  return value;
}
