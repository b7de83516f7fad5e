/**
 * Conflict strategies a collection can declare (`CollectionPolicy.conflicts`). A generic write is in
 * conflict when its base no longer matches: for put/delete, the record changed after `baseVersion`
 * (by someone else); for patch, a field's current value differs from the value the client expected.
 */
import type { JsonObject, JsonValue } from '../../protocol/json.js';

/** What a field-level custom rule sees when both sides changed the field. */
export interface FieldConflict {
  collection: string;
  key: string;
  field: string;
  /** The value the client saw before its change (null when absent). */
  base: JsonValue;
  /** The value on the server now (null when absent). */
  server: JsonValue;
  /** The value the client wrote. */
  client: JsonValue;
  clientHlc: string;
}

/**
 * Rule for a field both sides changed: `server` keeps the server's value, `client` takes the
 * client's, `lww` the later hybrid-logical-clock stamp (a client that had seen the server's value
 * wins), `delta` adds the client's change (client − base) to the server's number — for counters
 * such as stock; falls back to `lww` for non-numbers. A function returns the merged value.
 */
export type FieldRule = 'server' | 'client' | 'lww' | 'delta' | ((conflict: FieldConflict) => JsonValue);

/** What a custom resolver sees. */
export interface WriteConflict {
  collection: string;
  key: string;
  op: 'put' | 'patch' | 'delete';
  clientId: string;
  /** The record now (undefined = absent) and its version (0 = never existed). */
  server: { value: JsonObject | undefined; version: number; hlc: string | undefined };
  /** put: the new value; patch: the fields set; delete: undefined. */
  client: { value: JsonObject | undefined; hlc: string; baseVersion: number | null; expected: JsonObject | undefined };
  /** Patch: the fields whose expected value no longer matched. */
  fields: string[] | undefined;
}

/** A custom resolver's answer: keep the server's record, apply the client's write, store a value (null deletes), or refuse. */
export type ConflictDecision = 'server' | 'client' | 'reject' | { value: JsonObject | null };

export type ConflictResolver = (conflict: WriteConflict) => ConflictDecision | Promise<ConflictDecision>;

/**
 * - `server-wins`: the write is rejected (code 'conflict'); the client rolls back.
 * - `client-wins`: the write applies as if there were no conflict (the default: today's behaviour).
 * - `last-writer-wins`: the write with the later HLC stamp wins (per field for patches).
 * - `{ merge }`: patches merge field by field — fields only one side changed take that side's value,
 *   fields both changed follow their rule (`otherFields`, default `lww`, for unlisted ones). Puts,
 *   deletes and patches of a deleted record have no per-field base and fall back to last-writer-wins.
 * - `{ resolve }`: a function decides.
 * @example { merge: { price: 'lww', stock: 'delta', name: 'server' } }
 */
export type ConflictStrategy =
  | 'server-wins'
  | 'client-wins'
  | 'last-writer-wins'
  | { merge: Record<string, FieldRule>; otherFields?: FieldRule }
  | { resolve: ConflictResolver };

/** Writable collections without a strategy keep the pre-conflict-detection behaviour (writes apply). */
export const DEFAULT_CONFLICT_STRATEGY: ConflictStrategy = 'client-wins';

export type StrategyName = 'server-wins' | 'client-wins' | 'last-writer-wins' | 'merge' | 'custom';

export function strategyName(strategy: ConflictStrategy): StrategyName {
  if (typeof strategy === 'string') return strategy;
  return 'merge' in strategy ? 'merge' : 'custom';
}
