/**
 * The validate phase: every unsettled outbox entry must parse against the current local format. A
 * malformed one (written by another version, or damaged) is moved to the `quarantine` table with its
 * raw content, and its place in the outbox is taken by a `syncline.skip` mutation with the same id —
 * mutation ids must stay consecutive, so the server consumes the id (rejecting it as
 * `skipped-by-client`) instead of seeing a gap. It is reported once, never retried forever.
 */
import type { JsonValue } from '../protocol/json.js';
import type { StoreWriter } from '../stores/store.js';
import { decodeSeq } from '../stores/store.js';
import { T, outboxEntrySchema, type OutboxEntry } from './local-schema.js';
import type { CycleContext } from './cycle-context.js';
import { ServerError } from './errors.js';

export const SKIP_MUTATION = 'syncline.skip';

/** Refuses to start a cycle that could only be refused: the transport says it has no credentials. */
export async function assertCredentials(ctx: CycleContext): Promise<void> {
  if (ctx.transport.hasCredentials === undefined || (await ctx.transport.hasCredentials())) return;
  throw new ServerError(401, 'unauthenticated', 'No usable credentials: the token is missing or was refused after a refresh. Supply a new token, then call requestSync().', { retryable: false });
}

export async function quarantineMalformed(ctx: CycleContext): Promise<number> {
  const quarantined = await ctx.store.write(async (tx) => {
    const found: Array<{ id: number; reason: string }> = [];
    for (const [k] of await tx.scan(T.unsettled)) {
      const raw = await tx.get(T.outbox, k);
      const parsed = outboxEntrySchema.safeParse(raw);
      if (parsed.success) continue;
      const id = decodeSeq(k);
      const reason = parsed.error.issues[0]?.message ?? 'invalid';
      await replaceWithSkip(tx, k, id, raw ?? null, reason, ctx.now());
      found.push({ id, reason });
    }
    return found;
  });
  for (const q of quarantined) ctx.emit({ type: 'mutation.quarantined', id: q.id, reason: q.reason });
  return quarantined.length;
}

async function replaceWithSkip(tx: StoreWriter, k: string, id: number, raw: JsonValue, reason: string, now: number): Promise<void> {
  await tx.put(T.quarantine, k, { v: 1, id, raw, reason, quarantinedAt: now });
  const skip: OutboxEntry = { v: 1, id, name: SKIP_MUTATION, args: { reason }, createdAt: now, ops: [], covered: false };
  await tx.put(T.outbox, k, skip as unknown as JsonValue);
}
