/**
 * The rejected-mutations log: every mutation the server refused for good (validation, forbidden, a
 * conflict lost under server-wins, a handler's own code, `handler-failed` for a dead-lettered poison
 * mutation, …) with the server's code and message. It lives in the local store (table
 * `rejected_mutations`, keyed by mutation id), so every tab and process on the database reads the
 * same log, and it is written in the transaction that settles the outcome: a rejection that rolled
 * back an optimistic effect is never missing from it. Bounded: the oldest entries go once there are
 * more than the limit.
 */
import type { JsonValue } from '../protocol/json.js';
import type { StoreReader, StoreWriter } from '../stores/store.js';
import { encodeSeq } from '../stores/store.js';
import { InvalidArgumentError, StoredDataError } from './errors.js';
import { T, rejectedMutationSchema, type RejectedMutation } from './local-schema.js';

/** Entries kept; older ones are dropped as new ones arrive. */
export const DEFAULT_REJECTION_LOG_LIMIT = 1000;
/** Entries `rejectedMutations()` returns when no limit is given. */
export const DEFAULT_REJECTION_READ_LIMIT = 100;

/** Record rejections (inside the settling transaction), then trim the log to `limit`. */
export async function appendRejections(tx: StoreWriter, entries: readonly RejectedMutation[], limit = DEFAULT_REJECTION_LOG_LIMIT): Promise<void> {
  if (entries.length === 0) return;
  for (const entry of entries) await tx.put(T.rejections, encodeSeq(entry.id), entry as unknown as JsonValue);
  const excess = (await tx.count(T.rejections)) - limit;
  if (excess > 0) {
    for (const [key] of await tx.scan(T.rejections, { limit: excess })) await tx.delete(T.rejections, key);
  }
}

/** Entries with id > `after`, oldest first, at most `limit`. */
export async function readRejections(tx: StoreReader, options: { limit?: number; after?: number } = {}): Promise<RejectedMutation[]> {
  const rows = await tx.scan(T.rejections, { start: encodeSeq((options.after ?? 0) + 1), limit: options.limit ?? DEFAULT_REJECTION_READ_LIMIT });
  return rows.map(([key, raw]) => {
    const parsed = rejectedMutationSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    throw new StoredDataError(
      `The rejected-mutations log entry ${key} does not match local format 1; it was written by another syncline version or altered outside syncline.`,
      { cause: parsed.error, details: { where: `${T.rejections}/${key}` } },
    );
  });
}

/** Drop entries with id <= `throughId` (the app has shown or handled them); returns how many. */
export async function clearRejections(tx: StoreWriter, throughId: number): Promise<number> {
  if (throughId < 1) return 0;
  const rows = await tx.scan(T.rejections, { end: encodeSeq(throughId + 1) });
  for (const [key] of rows) await tx.delete(T.rejections, key);
  return rows.length;
}

/** A caller-given mutation id cursor (`after`, `throughId`): a non-negative integer. */
export function logId(value: number, what: string): number {
  if (Number.isSafeInteger(value) && value >= 0) return value;
  throw new InvalidArgumentError(`${what} must be a non-negative integer (a mutation id), got ${String(value)}.`);
}
