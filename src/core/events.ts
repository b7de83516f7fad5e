/** Everything a client reports, as one discriminated union. */
import type { SynclineError } from './errors.js';
import type { JsonValue } from '../protocol/json.js';
import type { ConflictLogEntry } from './conflict-log.js';
import type { CollectionDigest } from '../protocol/digest.js';
import type { ClientMetrics } from './drain-monitor.js';
import type { PreviousInstall } from '../protocol/wire.js';
import type { PeerInfo } from '../transport/realtime-presence.js';

export type SyncTrigger = 'manual' | 'local-write' | 'interval' | 'online' | 'retry' | 'start' | 'poke' | 'watchdog' | 'takeover';

export type SyncPhaseName = 'validate' | 'prepare' | 'execute' | 'verify' | 'cleanup';

/** What one cycle did; every cycle returns it and records it in the run history. */
export interface SyncCycleResult {
  syncId: string;
  trigger: SyncTrigger;
  direction: 'push' | 'pull' | 'both';
  /** True when another tab/process holds the leader lease, so this cycle did nothing. */
  skipped: boolean;
  /** completed, failed (see `error`) or cancelled (its committed steps stay; the next cycle continues). */
  outcome: 'completed' | 'failed' | 'cancelled';
  error?: { code: string; message: string };
  pushed: { sent: number; applied: number; rejected: number; requests: number };
  /** `resets`: the server had purged tombstones this client needed, so it re-pulled from cursor 0. */
  pulled: { changes: number; pages: number; requests: number; resets: number };
  /** Malformed outbox entries moved aside by the validate phase. */
  quarantined: number;
  /**
   * The convergence check: verified, repaired (a collection differed and was re-pulled), not done, or
   * incomparable (the server sent digests of another format). `full`: every stored record was
   * re-hashed (a full recount) rather than the maintained lanes compared.
   */
  verify: { status: 'verified' | 'repaired' | 'unverified' | 'skipped' | 'incomparable'; mismatches: string[]; repaired: string[]; full?: boolean };
  /** The batch plan the prepare phase chose. */
  plan: { pushBatchSize: number; pullPageSize: number; requestTimeoutMs: number; concurrency: number };
  /** Milliseconds spent per phase. */
  phases: Partial<Record<SyncPhaseName, number>>;
  requests: number;
  bytesUp: number;
  bytesDown: number;
  cursor: number;
  startedAt: number;
  durationMs: number;
}

export interface RecordsChange {
  collection: string;
  keys: string[];
}

export type SyncEvent =
  | { type: 'mutation.queued'; id: number; name: string }
  | { type: 'mutation.applied'; id: number; name: string; result: JsonValue | undefined; duplicate: boolean }
  | { type: 'mutation.rejected'; id: number; name: string; code: string; message: string }
  | { type: 'sync.started'; syncId: string; trigger: SyncTrigger }
  | { type: 'sync.phase'; syncId: string; phase: SyncPhaseName; state: 'started' | 'completed'; durationMs: number | undefined }
  | { type: 'sync.progress'; syncId: string; phase: 'push' | 'pull' | 'repair'; done: number; total: number | undefined; bytesUp: number; bytesDown: number }
  | { type: 'mutation.quarantined'; id: number; reason: string }
  | { type: 'verify.mismatch'; collection: string; local: CollectionDigest | undefined; server: CollectionDigest | undefined }
  | { type: 'verify.repaired'; collection: string; records: number; verified: boolean }
  /** A full recount found maintained digest lanes that disagreed with the stored records, and rebuilt them. */
  | { type: 'verify.recounted'; rebuilt: string[] }
  /** The server's digests are of a format this client does not compute: nothing was compared or repaired. */
  | { type: 'verify.incomparable'; serverFormat: number; clientFormat: number }
  | { type: 'sync.completed'; syncId: string; result: SyncCycleResult }
  | { type: 'sync.failed'; syncId: string; error: SynclineError; retryInMs: number | undefined }
  | { type: 'online.changed'; online: boolean }
  /** Credentials were refused even after a refresh; background sync waits for `requestSync()`. */
  | { type: 'auth.failed'; error: SynclineError }
  | { type: 'records.changed'; source: 'local' | 'remote'; changes: RecordsChange[] }
  /** The server reported a conflict on one of this client's writes (logged in `client.conflicts()`). */
  | { type: 'conflict.detected'; conflict: ConflictLogEntry }
  /** …and how it ended: `conflict.server.resolution`, plus `reappliedAs` when a plugin wrote again. */
  | { type: 'conflict.resolved'; conflict: ConflictLogEntry }
  /** Drain analytics after every cycle that ended (the same as `client.metrics()`). */
  | { type: 'metrics.updated'; metrics: ClientMetrics }
  /**
   * The watchdog found pending work and no successful cycle for `watchdog.stalledAfterMs`
   * (`stalledForMs` counts from the last success, the oldest pending write or the client's start,
   * whichever is latest); `redriven`: it kicked the sync loop (false with autoSync off).
   */
  | { type: 'sync.stalled'; pending: number; oldestPendingAgeMs: number | undefined; lastSuccessAgeMs: number | undefined; stalledForMs: number; redriven: boolean }
  /**
   * The local store was wiped: the server had accepted mutations (through `previous.lastMutationId`)
   * from an earlier client of this `installId`, and anything that client had not pushed is gone. This
   * client (`clientId`) carries on as a new one. Emitted once per lost client (see `installId`).
   */
  | { type: 'storage.lost'; installId: string; clientId: string; previous: PreviousInstall }
  /** The platform refused persistent storage and a write has waited for the server over `thresholdMs`. */
  | { type: 'storage.at-risk'; pending: number; oldestPendingAgeMs: number; thresholdMs: number }
  /** The scope's peer list changed (see `client.peers()`); undefined: presence became unavailable. */
  | { type: 'peers.changed'; peers: PeerInfo[] | undefined };

export type SyncEventType = SyncEvent['type'];
export type SyncEventOf<K extends SyncEventType> = Extract<SyncEvent, { type: K }>;
