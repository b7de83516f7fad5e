/** The push half of the execute phase: consecutive batches, each response committed before the next. */
import { ServerError } from './errors.js';
import type { SyncCycleResult } from './events.js';
import { T } from './local-schema.js';
import { toWire } from './outbox.js';
import { readPushBatch } from './validate-phase.js';
import { settlePushResponse } from './conflict-settle.js';
import { PROTOCOL_VERSION } from '../protocol/wire.js';
import { checkAborted, type CycleContext } from './cycle-context.js';

export async function pushAll(ctx: CycleContext, result: SyncCycleResult, signal: AbortSignal): Promise<void> {
  const total = await ctx.store.read((tx) => tx.count(T.unsettled));
  for (;;) {
    checkAborted(signal);
    // Each batch is read as a slice and validated (malformed entries quarantined) as it is read.
    const { entries: batch, settledThrough, quarantined } = await readPushBatch(ctx, 0, ctx.pushBatchSize);
    result.quarantined += quarantined;
    if (batch.length === 0) return;
    const mutations = batch.map(toWire);
    await ctx.plugins.run('beforePush', mutations);
    result.pushed.requests += 1;
    const response = await ctx.transport.push(
      { v: PROTOCOL_VERSION, clientId: ctx.clientId, mutations, settledThrough },
      { signal, timeoutMs: ctx.requestTimeoutMs },
    );
    // Settles, corrects the optimistic view, logs conflicts and lets plugins re-apply (conflict-settle.ts).
    const { settled, touched } = await settlePushResponse(ctx, response);
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
    ctx.progress('push', result.pushed.sent, Math.max(total, result.pushed.sent));
  }
}
