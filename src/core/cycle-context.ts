/** What every phase of a sync cycle works with. */
import { AbortedError } from './errors.js';
import type { SyncEvent } from './events.js';
import type { PluginHost } from './plugins.js';
import type { Store } from '../stores/store.js';
import type { Transport } from '../transport/transport.js';

export type SyncDirection = 'push' | 'pull' | 'both';
export type SyncPhase = 'validate' | 'prepare' | 'execute' | 'verify' | 'cleanup';
export type ProgressStep = 'push' | 'pull' | 'repair';

export interface CycleContext {
  store: Store;
  plugins: PluginHost;
  transport: Transport;
  clientId: string;
  pushBatchSize: number;
  pullPageSize: number;
  requestTimeoutMs: number;
  /** Requests in flight at once; 2 or more lets the pull fetch one page ahead and the push send one batch ahead. */
  concurrency: number;
  /** Runs to keep in the local history. */
  historyLimit: number;
  /** Compare local and server digests after pulling (and repair on mismatch). */
  verify: boolean;
  /** Verify by re-hashing every stored record (a full recount) instead of the maintained lanes. */
  fullVerify: boolean;
  /** Pull only these collections this cycle (a refresh that leaves the cursor where it is). */
  collections: readonly string[] | undefined;
  now(): number;
  emit(event: SyncEvent): void;
  /** Progress of the running cycle's current step (bytes are taken from the transport's counters). */
  progress(step: ProgressStep, done: number, total: number | undefined): void;
}

/** Cancellation is honoured only between committed steps, so it never leaves a half-applied state. */
export function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new AbortedError('The sync was cancelled.');
}
