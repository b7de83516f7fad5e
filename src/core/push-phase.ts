/**
 * The push half of the execute phase: batches of consecutive mutations, oldest first, each response
 * committed (its outcomes settled) as one step.
 *
 * With `concurrency` ≥ 2 the next batch is sent as soon as the server has answered the current one,
 * and travels while the current one's outcomes are committed locally: the server has consumed the
 * answered ids, so the next consecutive ids are no gap. Never before an answer (a batch that overtook
 * its predecessor would be refused as a gap) and never more than one batch ahead. A failure of either
 * leaves nothing to repair: an uncommitted outcome is asked for again by the next cycle, and the
 * server answers a resent mutation as a duplicate.
 */
import { ServerError } from './errors.js';
import type { SyncCycleResult } from './events.js';
import { T, type OutboxEntry } from './local-schema.js';
import { encodeSeq } from '../stores/store.js';
import { toWire } from './outbox.js';
import { settlePushResponse } from './conflict-settle.js';
import { PROTOCOL_VERSION, type PushResponse } from '../protocol/wire.js';
import { checkAborted, type CycleContext } from './cycle-context.js';
import { anySignal } from './any-signal.js';
import { readPushBatch } from './validate-phase.js';
import { countWithinBudget, PUSH_BATCH_MAX_CHARS } from './push-batch-bytes.js';

export async function pushAll(ctx: CycleContext, result: SyncCycleResult, signal: AbortSignal): Promise<void> {
  // A count, not a scan: the store counts the unsettled index without reading entries.
  const total = await ctx.store.read((tx) => tx.count(T.unsettled));
  const sender = new BatchSender(ctx, result, signal);
  // Off for the rest of the cycle once a batch sent early meets a gap: this server does not queue
  // (an older one, or another instance than its predecessor's), so early batches would only be resent.
  let pipelining = ctx.concurrency >= 2;
  try {
    checkAborted(signal);
    let current = await sender.send(0);
    // A batch sent before `current` was answered: the server queues it behind `current`.
    let early = pipelining && current !== undefined ? await captured(sender.send(current.lastId, current.lastId + 1, true)) : undefined;
    while (current !== undefined) {
      const response = await current.response.catch((error: unknown) => {
        if (!(error instanceof ServerError) || current === undefined) throw error;
        // An early batch that overtook its predecessor, or met a server that does not queue.
        if (current.early && error.serverCode === 'mutation-gap') {
          pipelining = false;
          return undefined;
        }
        // A server whose body limit is below our size budget answers 413 for the whole batch: send
        // it again in halves (down to one mutation, which only the server can judge) rather than
        // repeat a request that can never pass.
        if (error.status !== 413 || current.entries.length <= 1) throw error;
        sender.shrinkBelow(current.entries.length, current.chars);
        return undefined;
      });
      if (response === undefined) {
        // Whatever was sent after it can only meet a gap now (or apply what we send again anyway):
        // left to finish unread (its failure is already handled, see send) or aborted by close().
        early = undefined;
        current = await sender.send(0);
        continue;
      }
      const through = answeredThrough(current.entries, response);
      let next = early;
      early = undefined;
      // The early batch follows on only if the whole current batch was answered.
      if (next !== undefined && (next.failed || through !== current.lastId)) next = undefined;
      // Otherwise the next consecutive ids go now, while this answer's outcomes are committed.
      // Preparing a batch may fail (a plugin, the store); that surfaces once this one is committed.
      if (next === undefined && ctx.concurrency >= 2 && through !== undefined) next = await captured(sender.send(through, through + 1));
      // And one more behind it, so the server has the batch after next queued while we commit.
      if (pipelining && next?.failed === false && next.value?.failed === false) early = await captured(sender.send(next.value.lastId, next.value.lastId + 1, true));
      await commitBatch(ctx, result, current.entries, response, total);
      checkAborted(signal);
      if (next?.failed === true) throw next.error;
      if (early?.failed === true) throw early.error;
      current = next?.value ?? (await sender.send(0));
    }
  } finally {
    sender.close();
  }
}

interface SentBatch {
  entries: OutboxEntry[];
  /** Id of its last mutation. */
  lastId: number;
  /** Sent before its predecessor was answered (see pushAll). */
  early: boolean;
  /** Its request is known to have failed (set when it does; nothing is sent behind it then). */
  failed: boolean;
  /** JSON characters of its mutations, as counted against the size budget. */
  chars: number;
  response: Promise<PushResponse>;
}

/** Reads, validates and sends batches; one still in flight when the push stops is aborted. */
class BatchSender {
  readonly #ctx: CycleContext;
  readonly #result: SyncCycleResult;
  readonly #signal: AbortSignal;
  readonly #inFlight = new Set<AbortController>();
  /** Lowered for the rest of the cycle after a 413: most mutations and JSON characters per request. */
  #maxCount = Number.POSITIVE_INFINITY;
  #maxChars = PUSH_BATCH_MAX_CHARS;

  constructor(ctx: CycleContext, result: SyncCycleResult, signal: AbortSignal) {
    this.#ctx = ctx;
    this.#result = result;
    this.#signal = signal;
  }

  /**
   * Sends the unsettled entries after `afterId` (the oldest when 0). With `firstId`, only if the
   * slice starts exactly there (a batch sent ahead must follow the answered ids without a hole).
   */
  async send(afterId: number, firstId?: number, early = false): Promise<SentBatch | undefined> {
    const ctx = this.#ctx;
    const batch = await readPushBatch(ctx, afterId, Math.min(ctx.pushBatchSize, this.#maxCount));
    this.#result.quarantined += batch.quarantined;
    const first = batch.entries[0];
    if (first === undefined || (firstId !== undefined && first.id !== firstId)) return undefined;
    const all = batch.entries.map(toWire);
    const { count: fit, chars } = countWithinBudget(all, this.#maxChars);
    const entries = fit === all.length ? batch.entries : batch.entries.slice(0, fit);
    const mutations = fit === all.length ? all : all.slice(0, fit);
    await ctx.plugins.run('beforePush', mutations);
    checkAborted(this.#signal);
    this.#result.pushed.requests += 1;
    const abort = new AbortController();
    this.#inFlight.add(abort);
    const response = ctx.transport.push(
      { v: PROTOCOL_VERSION, clientId: ctx.clientId, mutations, settledThrough: batch.settledThrough },
      { signal: anySignal([this.#signal, abort.signal]), timeoutMs: ctx.requestTimeoutMs },
    );
    const sent: SentBatch = { entries, lastId: entries.at(-1)?.id ?? first.id, early, failed: false, chars, response };
    const done = (): void => void this.#inFlight.delete(abort);
    // Its failure surfaces when it is awaited; until then (or if it never is) it is not unhandled.
    response.then(done, () => {
      sent.failed = true;
      done();
    });
    return sent;
  }

  /** After a 413 for `count` mutations of `chars` JSON characters: send at most half of either. */
  shrinkBelow(count: number, chars: number): void {
    this.#maxCount = Math.max(1, Math.floor(count / 2));
    this.#maxChars = Math.max(1, Math.floor(chars / 2));
  }

  close(): void {
    for (const abort of this.#inFlight) abort.abort();
    this.#inFlight.clear();
  }
}

/**
 * The last id of the batch's answered prefix: the server has consumed every id up to it, so a batch
 * starting right after it is no gap. Undefined when the answer covers none of the batch.
 */
function answeredThrough(entries: readonly OutboxEntry[], response: PushResponse): number | undefined {
  const answered = new Set(response.outcomes.map((o) => o.id));
  let through: number | undefined;
  for (const entry of entries) {
    if (!answered.has(entry.id) || entry.id > response.lastMutationId) break;
    through = entry.id;
  }
  return through;
}

/**
 * Settles the outcomes, corrects the optimistic view, logs conflicts and lets plugins re-apply
 * (conflict-settle.ts), in one transaction; then reports what it settled.
 */
async function commitBatch(ctx: CycleContext, result: SyncCycleResult, entries: readonly OutboxEntry[], response: PushResponse, total: number): Promise<void> {
  const { settled, touched } = await settlePushResponse(ctx, response, entries);
  const first = entries[0]!;
  // Settled nothing: fine if another tab or process (a leader whose lease this cycle outlasted) has
  // settled these entries meanwhile; but if the batch still waits, resending it would loop forever.
  if (settled.length === 0 && (await ctx.store.read((tx) => tx.get(T.unsettled, encodeSeq(first.id)))) !== undefined) {
    throw new ServerError(200, 'no-progress', `The server returned no outcome for mutations ${first.id}..${entries.at(-1)?.id}; it may be misbehaving. Sync stops here and retries later.`, { retryable: true });
  }
  result.pushed.sent += entries.length;
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

type Captured<T> = { failed: false; value: T } | { failed: true; error: unknown };

function captured<T>(promise: Promise<T>): Promise<Captured<T>> {
  return promise.then(
    (value) => ({ failed: false, value }),
    (error: unknown) => ({ failed: true, error }),
  );
}
