/**
 * One sync cycle: push every unsettled mutation in consecutive batches, then pull pages until the
 * server has nothing newer. Each push response and each pull page is committed to the store before
 * the next request, so a crash or a cancel at any point leaves a state the next cycle continues from.
 */
import { AbortedError, ServerError } from './errors.js';
import type { SyncCycleResult, SyncEvent, SyncTrigger } from './events.js';
import { META, T, readNumber } from './local-schema.js';
import { TouchedRecords } from './local-view.js';
import { settleOutcomes, toWire, unsettledEntries } from './outbox.js';
import { applyPullPage } from './pull-apply.js';
import { PROTOCOL_VERSION } from '../protocol/wire.js';
import type { Store } from '../stores/store.js';
import type { Transport } from '../transport/transport.js';
import type { PluginHost } from './plugins.js';

export interface CycleContext {
  store: Store;
  plugins: PluginHost;
  transport: Transport;
  clientId: string;
  pushBatchSize: number;
  pullPageSize: number;
  requestTimeoutMs: number;
  now(): number;
  emit(event: SyncEvent): void;
}

export type SyncDirection = 'push' | 'pull' | 'both';

export async function runSyncCycle(
  ctx: CycleContext,
  syncId: string,
  trigger: SyncTrigger,
  signal: AbortSignal,
  direction: SyncDirection = 'both',
): Promise<SyncCycleResult> {
  const startedAt = ctx.now();
  const before = ctx.transport.stats();
  const result: SyncCycleResult = {
    syncId,
    trigger,
    skipped: false,
    pushed: { sent: 0, applied: 0, rejected: 0, requests: 0 },
    pulled: { changes: 0, pages: 0, requests: 0 },
    bytesUp: 0,
    bytesDown: 0,
    cursor: 0,
    startedAt,
    durationMs: 0,
  };
  if (direction !== 'pull') await pushAll(ctx, syncId, result, signal);
  if (direction !== 'push') await pullAll(ctx, syncId, result, signal);
  else result.cursor = await ctx.store.read(async (tx) => readNumber(await tx.get(T.meta, META.cursor), 0, 'meta/cursor'));
  const after = ctx.transport.stats();
  result.bytesUp = after.bytesSent - before.bytesSent;
  result.bytesDown = after.bytesReceived - before.bytesReceived;
  result.durationMs = ctx.now() - startedAt;
  return result;
}

function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new AbortedError('The sync was cancelled.');
}

async function pushAll(ctx: CycleContext, syncId: string, result: SyncCycleResult, signal: AbortSignal): Promise<void> {
  const total = await ctx.store.read((tx) => tx.count(T.unsettled));
  for (;;) {
    checkAborted(signal);
    const batch = await ctx.store.read((tx) => unsettledEntries(tx, ctx.pushBatchSize));
    if (batch.length === 0) return;
    result.pushed.requests += 1;
    const response = await ctx.transport.push(
      { v: PROTOCOL_VERSION, clientId: ctx.clientId, mutations: batch.map(toWire) },
      { signal, timeoutMs: ctx.requestTimeoutMs },
    );
    const touched = new TouchedRecords();
    const settled = await ctx.store.write(async (tx) => {
      const out = await settleOutcomes(tx, response.outcomes, touched);
      await touched.rebaseAll(tx);
      return out;
    });
    if (settled.length === 0) {
      // The server answered without settling anything we sent: continuing would resend forever.
      throw new ServerError(200, 'no-progress', `The server returned no outcome for mutations ${batch[0]?.id}..${batch.at(-1)?.id}; it may be misbehaving. Sync stops here and retries later.`, { retryable: true });
    }
    result.pushed.sent += batch.length;
    for (const { entry, outcome } of settled) {
      if (outcome.status === 'applied') {
        result.pushed.applied += 1;
        ctx.emit({ type: 'mutation.applied', id: entry.id, name: entry.name, result: outcome.result, duplicate: outcome.duplicate === true });
      } else {
        result.pushed.rejected += 1;
        ctx.emit({ type: 'mutation.rejected', id: entry.id, name: entry.name, code: outcome.code, message: outcome.message });
      }
    }
    if (touched.size > 0) ctx.emit({ type: 'records.changed', source: 'remote', changes: touched.entries() });
    ctx.emit({ type: 'sync.progress', syncId, phase: 'push', done: result.pushed.sent, total: Math.max(total, result.pushed.sent) });
  }
}

async function pullAll(ctx: CycleContext, syncId: string, result: SyncCycleResult, signal: AbortSignal): Promise<void> {
  for (;;) {
    checkAborted(signal);
    const cursor = await ctx.store.read(async (tx) => readNumber(await tx.get(T.meta, META.cursor), 0, 'meta/cursor'));
    result.pulled.requests += 1;
    const page = await ctx.transport.pull(
      { v: PROTOCOL_VERSION, clientId: ctx.clientId, cursor, limit: ctx.pullPageSize },
      { signal, timeoutMs: ctx.requestTimeoutMs },
    );
    const applied = await ctx.store.write((tx) => applyPullPage(tx, page, cursor));
    result.pulled.pages += 1;
    result.pulled.changes += page.changes.length;
    result.cursor = page.cursor;
    if (applied.touched.size > 0) ctx.emit({ type: 'records.changed', source: 'remote', changes: applied.touched.entries() });
    ctx.emit({ type: 'sync.progress', syncId, phase: 'pull', done: result.pulled.changes, total: undefined });
    if (!page.hasMore) return;
  }
}
