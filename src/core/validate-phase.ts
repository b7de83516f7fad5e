/**
 * The validate phase: credentials are checked before a cycle starts, and every outbox entry is
 * checked against the current local format as its push batch is read (`readPushBatch`) — parsed
 * once, never the whole backlog up front, so a cycle's cost does not grow with the queue. A malformed
 * entry (written by another version, or damaged) is moved to the `quarantine` table with its raw
 * content, and its place in the outbox is taken by a `syncline.skip` mutation with the same id —
 * mutation ids must stay consecutive, so the server consumes the id (rejecting it as
 * `skipped-by-client`) instead of seeing a gap. It is reported once, never retried forever.
 */
import type { JsonValue } from '../protocol/json.js';
import type { StoreReader, StoreWriter } from '../stores/store.js';
import { T, type OutboxEntry } from './local-schema.js';
import { oldestHeldMutation } from './echo-apply.js';
import type { CycleContext } from './cycle-context.js';
import { ServerError } from './errors.js';
import { unsettledEntries, type UnsettledRead } from './outbox.js';

export const SKIP_MUTATION = 'syncline.skip';

/** Refuses to start a cycle that could only be refused: the transport says it has no credentials. */
export async function assertCredentials(ctx: CycleContext): Promise<void> {
  if (ctx.transport.hasCredentials === undefined || (await ctx.transport.hasCredentials())) return;
  throw new ServerError(401, 'unauthenticated', 'No usable credentials: the token is missing or was refused after a refresh. Supply a new token, then call requestSync().', { retryable: false });
}

export interface PushBatch {
  /** Consecutive entries, oldest first; empty when nothing after `afterId` waits. */
  entries: OutboxEntry[];
  /** Every id at or below this is settled and gone from the outbox (the request's `settledThrough`). */
  settledThrough: number;
  /** Malformed entries of this slice that were quarantined (and replaced by skips) while reading it. */
  quarantined: number;
}

/**
 * The next push batch: at most `limit` unsettled entries after `afterId`, parsed once. A read
 * transaction suffices unless the slice holds a malformed entry; then the slice is read again in a
 * write transaction that quarantines as it goes (another tab may have done it meanwhile: an entry
 * that parses by then is simply used).
 */
export async function readPushBatch(ctx: CycleContext, afterId: number, limit: number): Promise<PushBatch> {
  const read = (tx: StoreReader) => readSlice(tx, afterId, limit);
  const slice = await ctx.store.read(read);
  const { rows, settledThrough } = slice;
  if (rows.every(isParsed)) return { entries: rows.map((row) => row.entry), settledThrough, quarantined: 0 };
  const now = ctx.now();
  const found: Array<{ id: number; reason: string }> = [];
  const fixed = await ctx.store.write(async (tx) => {
    const again = await read(tx);
    const entries: OutboxEntry[] = [];
    for (const row of again.rows) {
      if (row.ok) {
        entries.push(row.entry);
        continue;
      }
      entries.push(await replaceWithSkip(tx, row, now));
      found.push({ id: row.id, reason: row.reason });
    }
    return { entries, settledThrough: again.settledThrough };
  });
  for (const q of found) ctx.emit({ type: 'mutation.quarantined', id: q.id, reason: q.reason });
  return { ...fixed, quarantined: found.length };
}

async function readSlice(tx: StoreReader, afterId: number, limit: number): Promise<{ rows: UnsettledRead[]; settledThrough: number }> {
  return { rows: await unsettledEntries(tx, limit, afterId), settledThrough: await settledThroughId(tx) };
}

/** Every id below the oldest outbox entry is settled and gone: it will never be sent again. */
async function settledThroughId(tx: StoreReader): Promise<number> {
  return ((await oldestHeldMutation(tx)) ?? 1) - 1;
}

function isParsed(row: UnsettledRead): row is Extract<UnsettledRead, { ok: true }> {
  return row.ok;
}

async function replaceWithSkip(tx: StoreWriter, row: Extract<UnsettledRead, { ok: false }>, now: number): Promise<OutboxEntry> {
  const { key, id, raw, reason } = row;
  await tx.put(T.quarantine, key, { v: 1, id, raw, reason, quarantinedAt: now });
  const skip: OutboxEntry = { v: 1, id, name: SKIP_MUTATION, args: { reason }, createdAt: now, ops: [], covered: false };
  await tx.put(T.outbox, key, skip as unknown as JsonValue);
  return skip;
}
