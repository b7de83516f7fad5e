/** One background job run: the sync it asks for, described as its history row needs it. */
import { toSynclineError } from '../core/errors.js';
import type { JobError, StoredJob } from '../core/job-store.js';
import type { Transport } from '../transport/transport.js';
import type { ProgressiveSyncEngine, SyncOptions } from './progressive-sync-engine.js';

export interface JobRunOutcome {
  outcome: 'completed' | 'failed' | 'cancelled';
  syncId: string;
  error: JobError | null;
  bytesUp: number;
  bytesDown: number;
}

/** Runs the job's sync; never rejects — a failure is an outcome with its error's code and message. */
export async function executeJob(engine: ProgressiveSyncEngine, transport: Transport, job: StoredJob): Promise<JobRunOutcome> {
  const before = transport.stats();
  try {
    const result = await engine.executeSync({ ...(job.options as SyncOptions), priority: job.priority });
    return { outcome: result.outcome, syncId: result.syncId, error: result.error ?? null, bytesUp: result.bytesUp, bytesDown: result.bytesDown };
  } catch (raw) {
    const error = toSynclineError(raw, 'The background sync job failed');
    const syncId = (raw as { syncId?: unknown }).syncId;
    // A failed cycle returns no result: count what the transport moved meanwhile instead.
    const after = transport.stats();
    return {
      outcome: error.code === 'aborted' ? 'cancelled' : 'failed',
      syncId: typeof syncId === 'string' ? syncId : '',
      error: { code: error.code, message: error.message },
      bytesUp: after.bytesSent - before.bytesSent,
      bytesDown: after.bytesReceived - before.bytesReceived,
    };
  }
}
