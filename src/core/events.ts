/** Everything a client reports, as one discriminated union. */
import type { SynclineError } from './errors.js';
import type { JsonValue } from '../protocol/json.js';

export type SyncTrigger = 'manual' | 'local-write' | 'interval' | 'online' | 'retry' | 'start';

export interface SyncCycleResult {
  syncId: string;
  trigger: SyncTrigger;
  /** True when another tab/process holds the leader lease, so this cycle did nothing. */
  skipped: boolean;
  pushed: { sent: number; applied: number; rejected: number; requests: number };
  pulled: { changes: number; pages: number; requests: number };
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
  | { type: 'sync.progress'; syncId: string; phase: 'push' | 'pull'; done: number; total: number | undefined }
  | { type: 'sync.completed'; syncId: string; result: SyncCycleResult }
  | { type: 'sync.failed'; syncId: string; error: SynclineError; retryInMs: number | undefined }
  | { type: 'online.changed'; online: boolean }
  /** Credentials were refused even after a refresh; background sync waits for `requestSync()`. */
  | { type: 'auth.failed'; error: SynclineError }
  | { type: 'records.changed'; source: 'local' | 'remote'; changes: RecordsChange[] };

export type SyncEventType = SyncEvent['type'];
export type SyncEventOf<K extends SyncEventType> = Extract<SyncEvent, { type: K }>;
