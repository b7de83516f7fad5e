/**
 * The client's local conflict log: every conflict the server reported for this database's writes,
 * with its resolution, kept in the store (table `conflict_log`) and bounded — the oldest entries go
 * once there are more than the retention limit. Written in the same transaction as the settle.
 *
 * Persisted format version history:
 *  - 1: first version.
 */
import * as z from '../protocol/shape.js';
import type { JsonValue } from '../protocol/json.js';
import { conflictReport, jsonObject, wholeNumber } from '../protocol/wire.js';
import type { StoreReader, StoreWriter } from '../stores/store.js';
import { decodeSeq, encodeSeq } from '../stores/store.js';
import { StoredDataError } from './errors.js';

export const CONFLICT_LOG_TABLE = 'conflict_log';
/** Entries kept by default; older ones are dropped as new ones arrive. */
export const DEFAULT_CONFLICT_LOG_LIMIT = 500;

const positiveInt = wholeNumber(1);

export const conflictLogEntry = z.strictObject({
  v: z.literal(1),
  /** Local sequence number (1, 2, 3, …); the `after` cursor of `readConflictLog`. */
  seq: positiveInt,
  /** Client clock when the client learned the resolution. */
  at: z.number(),
  mutationId: positiveInt,
  mutationName: z.string(),
  collection: z.string(),
  key: z.string(),
  /** What this client wrote: the put value, the patched fields, or null for a delete. */
  clientValue: z.nullable(jsonObject),
  /** The server's report: strategy, resolution, the record before and after, audit `seq`. */
  server: conflictReport,
  /** Id of the mutation a `resolveConflict` plugin queued to re-apply the change, if any. */
  reappliedAs: z.optional(positiveInt),
});
export type ConflictLogEntry = z.Infer<typeof conflictLogEntry>;

/** Append entries (their `seq` is assigned here) and trim the log to `limit`. */
export async function appendConflictLog(tx: StoreWriter, entries: Array<Omit<ConflictLogEntry, 'seq' | 'v'>>, limit: number): Promise<ConflictLogEntry[]> {
  if (entries.length === 0) return [];
  const last = await tx.scan(CONFLICT_LOG_TABLE, { reverse: true, limit: 1 });
  let seq = last[0] === undefined ? 0 : decodeSeq(last[0][0]);
  const written: ConflictLogEntry[] = [];
  for (const entry of entries) {
    const full: ConflictLogEntry = { v: 1, seq: ++seq, ...entry };
    await tx.put(CONFLICT_LOG_TABLE, encodeSeq(full.seq), full as unknown as JsonValue);
    written.push(full);
  }
  const excess = (await tx.count(CONFLICT_LOG_TABLE)) - limit;
  if (excess > 0) {
    for (const [key] of await tx.scan(CONFLICT_LOG_TABLE, { limit: excess })) await tx.delete(CONFLICT_LOG_TABLE, key);
  }
  return written;
}

/** Entries with seq > `after`, oldest first. */
export async function readConflictLog(tx: StoreReader, options: { limit?: number; after?: number } = {}): Promise<ConflictLogEntry[]> {
  const rows = await tx.scan(CONFLICT_LOG_TABLE, {
    start: encodeSeq((options.after ?? 0) + 1),
    limit: options.limit ?? DEFAULT_CONFLICT_LOG_LIMIT,
  });
  return rows.map(([key, raw]) => {
    const parsed = conflictLogEntry.safeParse(raw);
    if (parsed.success) return parsed.data;
    throw new StoredDataError(`The conflict log entry ${key} does not match local format 1 (${parsed.error.message}); it was written by another syncline version or altered.`, { cause: parsed.error });
  });
}
