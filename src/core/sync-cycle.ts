/**
 * One sync cycle, as a state machine of five phases:
 *
 *   ┌──────────┐   ┌─────────┐   ┌──────────────────────────────┐   ┌────────┐   ┌─────────┐
 *   │ validate │──▶│ prepare │──▶│ execute                      │──▶│ verify │──▶│ cleanup │
 *   └──────────┘   └─────────┘   │  push batch ▸ commit ▸ …     │   └────────┘   └─────────┘
 *    credentials;   batch plan   │  pull page  ▸ commit ▸ …     │    digests      record the run
 *    malformed      from the     └──────────────────────────────┘    equal? else   (history)
 *    entries →      planner       each commit is a checkpoint        repair the
 *    quarantine (as each push batch is read)                         collection
 *
 *   any phase ──error/cancel──▶ the run is recorded as failed/cancelled; every committed step stays,
 *                                and the next cycle continues from the last checkpoint.
 *
 * Each phase emits `sync.phase` (started/completed) and the execute/verify steps `sync.progress`
 * (done/total, bytes). Cancellation (the signal) is honoured between committed steps only.
 */
import type { SyncCycleResult, SyncEvent, SyncPhaseName, SyncTrigger } from './events.js';
import { pushAll } from './push-phase.js';
import { pullAll, pullCollections } from './pull-phase.js';
import { recordRun } from './run-history.js';
import { assertCredentials } from './validate-phase.js';
import { verifyAndRepair } from './verify-phase.js';
import { checkAborted, type CycleContext, type SyncDirection } from './cycle-context.js';
import type { PullResponse } from '../protocol/wire.js';

export type { CycleContext, SyncDirection } from './cycle-context.js';

export function newCycleResult(syncId: string, trigger: SyncTrigger, direction: SyncDirection, now: number): SyncCycleResult {
  return {
    syncId,
    trigger,
    direction,
    skipped: false,
    outcome: 'completed',
    pushed: { sent: 0, applied: 0, rejected: 0, requests: 0 },
    pulled: { changes: 0, pages: 0, requests: 0, resets: 0 },
    quarantined: 0,
    verify: { status: 'skipped', mismatches: [], repaired: [] },
    plan: { pushBatchSize: 0, pullPageSize: 0, requestTimeoutMs: 0, concurrency: 0 },
    phases: {},
    requests: 0,
    bytesUp: 0,
    bytesDown: 0,
    cursor: 0,
    startedAt: now,
    durationMs: 0,
  };
}

/**
 * Runs the phases, filling `result` as it goes, and records the run in the history whatever the
 * outcome — a failed or cancelled cycle still reports what it did before it stopped.
 */
export async function runSyncCycle(ctx: CycleContext, result: SyncCycleResult, signal: AbortSignal): Promise<SyncCycleResult> {
  const before = ctx.transport.stats();
  const finish = (): void => {
    const after = ctx.transport.stats();
    result.requests = after.requests - before.requests;
    result.bytesUp = after.bytesSent - before.bytesSent;
    result.bytesDown = after.bytesReceived - before.bytesReceived;
    result.durationMs = ctx.now() - result.startedAt;
  };
  try {
    await ctx.plugins.run('beforeSync', { syncId: result.syncId, trigger: result.trigger, direction: result.direction, clientId: ctx.clientId });
    await runPhases(ctx, result, signal);
  } catch (error) {
    result.outcome = signal.aborted ? 'cancelled' : 'failed';
    result.error = describe(error);
    finish();
    await ctx.store.write((tx) => recordRun(tx, result, ctx.historyLimit)).catch(() => undefined);
    // The cycle's own error is what the caller needs; a plugin failing to observe it is secondary.
    await ctx.plugins.run('afterSync', result).catch(() => undefined);
    throw error;
  }
  await ctx.plugins.run('afterSync', result);
  return result;

  async function runPhases(ctx: CycleContext, result: SyncCycleResult, signal: AbortSignal): Promise<void> {
    let server: { cursor: number; digests: PullResponse['digests']; digestFormat: number | undefined; reset: boolean } | undefined;
    const phase = async (name: SyncPhaseName, body: () => Promise<void>): Promise<void> => {
      checkAborted(signal);
      const started = ctx.now();
      ctx.emit({ type: 'sync.phase', syncId: result.syncId, phase: name, state: 'started', durationMs: undefined });
      await body();
      const took = ctx.now() - started;
      result.phases[name] = took;
      ctx.emit({ type: 'sync.phase', syncId: result.syncId, phase: name, state: 'completed', durationMs: took });
    };
    // Outbox entries are validated as each push batch is read (readPushBatch), not all up front.
    await phase('validate', () => assertCredentials(ctx));
    await phase('prepare', async () => {
      result.plan = { pushBatchSize: ctx.pushBatchSize, pullPageSize: ctx.pullPageSize, requestTimeoutMs: ctx.requestTimeoutMs, concurrency: ctx.concurrency };
    });
    await phase('execute', async () => {
      if (result.direction !== 'pull') await pushAll(ctx, result, signal);
      if (result.direction === 'push') return;
      if (ctx.collections === undefined) server = await pullAll(ctx, result, signal);
      else await pullCollections(ctx, result, ctx.collections, signal);
    });
    await phase('verify', async () => {
      const digests = server?.digests;
      // After a reset the verify is what removes records deleted while tombstones were purged.
      if ((ctx.verify || server?.reset === true) && server !== undefined && digests !== undefined) {
        await verifyAndRepair(ctx, result, { cursor: server.cursor, digests, digestFormat: server.digestFormat }, ctx.fullVerify, signal);
      }
    });
    // Acknowledged entries already left the outbox when their pull page committed; what is left to
    // clean up is the run itself: close its accounts and keep it in the bounded history.
    await phase('cleanup', async () => {
      finish();
      await ctx.store.write((tx) => recordRun(tx, result, ctx.historyLimit));
    });
  }
}

function describe(error: unknown): { code: string; message: string } {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof (error as { code: unknown }).code === 'string') {
    return { code: (error as { code: string }).code, message: error instanceof Error ? error.message : String(error) };
  }
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

export type { SyncEvent };
