/**
 * How the client lays its state out in a `Store`, and the validation of everything read back.
 *
 * Tables:
 *  - `meta`        identity and progress: clientId, nextMutationId, cursor, leader lease.
 *  - `records`     confirmed state: what the server held at `cursor`. Key: recordKey(collection, key).
 *  - `overlay`     optimistic state for records that pending mutations touch (null = deleted locally).
 *  - `outbox`      mutations not yet settled. Key: encodeSeq(id).
 *  - `outbox_keys` index (collection, key, mutation id) so rebasing one record is cheap.
 *  - `quarantine`  malformed outbox entries moved aside by the validate phase, with their raw content.
 *  - `runs`        the last N sync cycle results (run history).
 *  - `digests`     the maintained convergence digest lanes, one row per collection (key: collection
 *                  name; value `{ v: digest format, count, a, b }`), see src/core/digest-lanes.ts.
 *  - `unsettled`   index of outbox ids whose outcome is unknown: the next push batch, found without
 *                  scanning past applied entries that wait for a pull (an outbox drain stays linear).
 *  - `rejected_mutations`  the rejected-mutations log: mutations the server refused for good, with
 *                  its code and message, written when the outcome is settled. Key: encodeSeq(id).
 *
 * Persisted format version history:
 *  - 1: first version. Later additions within 1: the `digests` table and `meta/digestLanes` (the
 *    digest format the lanes are kept in; absent = not kept yet, the next verify rebuilds them).
 */
import * as z from '../protocol/shape.js';
import { StoredDataError } from './errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../protocol/json.js';
import { describeIssues, jsonValue, mutationOutcome, wholeNumber } from '../protocol/wire.js';
import { recordOp } from '../protocol/record-ops.js';
import { encodeSeq } from '../stores/store.js';
import { acceptOutboxEntry } from './outbox-entry-check.js';

export const LOCAL_FORMAT = 1 as const;

export const T = {
  meta: 'meta',
  records: 'records',
  overlay: 'overlay',
  outbox: 'outbox',
  outboxKeys: 'outbox_keys',
  unsettled: 'unsettled',
  quarantine: 'quarantine',
  runs: 'runs',
  digests: 'digests',
  rejections: 'rejected_mutations',
} as const;

export const META = {
  format: 'format',
  clientId: 'clientId',
  nextMutationId: 'nextMutationId',
  cursor: 'cursor',
  lease: 'lease',
  runSeq: 'runSeq',
  digestLanes: 'digestLanes',
} as const;

const SEP = '\u0000';

/** Collection names cannot contain NUL (wire schema), so `collection + NUL` is an exact prefix. */
export function recordKey(collection: string, key: string): string {
  return collection + SEP + key;
}

export function collectionPrefix(collection: string): string {
  return collection + SEP;
}

export function splitRecordKey(encoded: string): { collection: string; key: string } {
  const at = encoded.indexOf(SEP);
  return { collection: encoded.slice(0, at), key: encoded.slice(at + 1) };
}

export function outboxKeyIndex(collection: string, key: string, id?: number): string {
  return recordKey(collection, key) + SEP + (id === undefined ? '' : encodeSeq(id));
}

export interface StoredRecord {
  v: typeof LOCAL_FORMAT;
  value: JsonObject;
  version: number;
}

export interface OverlayRow {
  v: typeof LOCAL_FORMAT;
  value: JsonObject | null;
}

const positiveInt = wholeNumber(1);
const nonEmpty = z.refine(z.string(), (name) => name.length > 0, 'must not be empty');

export const outboxEntrySchema = z.strictObject({
  v: z.literal(LOCAL_FORMAT),
  id: positiveInt,
  name: nonEmpty,
  args: jsonValue,
  createdAt: z.number(),
  /** The optimistic effects, re-applied on top of confirmed state after every pull (rebase). */
  ops: z.array(recordOp),
  /** What the server said, once it said it. */
  outcome: z.optional(mutationOutcome),
  /** A pull showed the effects are in confirmed state; only the outcome is still unknown. */
  covered: z.boolean(),
});
export type OutboxEntry = z.Infer<typeof outboxEntrySchema>;

/** An entry of the rejected-mutations log (format 1). */
export const rejectedMutationSchema = z.strictObject({
  v: z.literal(1),
  /** The mutation id (1, 2, 3, … per database); the `after`/`throughId` cursor of the log. */
  id: positiveInt,
  name: nonEmpty,
  args: jsonValue,
  /** The server's code (e.g. `conflict`, `invalid-args`, `handler-failed`, a handler's own) and message. */
  code: z.string(),
  message: z.string(),
  /** Client clock (ms) when the rejection was settled. */
  rejectedAt: z.number(),
  /** When the mutation was queued (client clock, ms). */
  createdAt: z.number(),
});
export type RejectedMutation = z.Infer<typeof rejectedMutationSchema>;

/** Hot path (records are read in bulk): a hand-written check instead of a schema walk. */
export function parseStoredRecord(raw: JsonValue | undefined, where: string): StoredRecord | undefined {
  if (raw === undefined) return undefined;
  if (isJsonObject(raw) && raw['v'] === LOCAL_FORMAT && isJsonObject(raw['value']) && typeof raw['version'] === 'number') {
    return raw as unknown as StoredRecord;
  }
  throw storedDataError('record', where, raw);
}

export function parseOverlayRow(raw: JsonValue | undefined, where: string): OverlayRow | undefined {
  if (raw === undefined) return undefined;
  if (isJsonObject(raw) && raw['v'] === LOCAL_FORMAT && (raw['value'] === null || isJsonObject(raw['value']))) {
    return raw as unknown as OverlayRow;
  }
  throw storedDataError('overlay row', where, raw);
}

export function parseOutboxEntry(raw: JsonValue | undefined, where: string): OutboxEntry {
  const accepted = acceptOutboxEntry(raw, LOCAL_FORMAT);
  if (accepted !== undefined) return accepted;
  const result = outboxEntrySchema.safeParse(raw);
  if (result.success) return result.data;
  throw new StoredDataError(
    `The outbox entry at ${where} does not match local format ${LOCAL_FORMAT}: ${describeIssues(result.error)}. ` +
      'It was written by another syncline version or altered outside syncline; it was left in place.',
    { cause: result.error, details: { where } },
  );
}

function storedDataError(what: string, where: string, raw: unknown): StoredDataError {
  const found = isJsonObject(raw as JsonValue) && 'v' in (raw as object) ? `format ${String((raw as { v: unknown }).v)}` : 'an unknown shape';
  return new StoredDataError(
    `The stored ${what} at ${where} has ${found}; this syncline reads local format ${LOCAL_FORMAT}. ` +
      'Open the database with the syncline version that wrote it, or clear the local database to re-sync.',
    { details: { where } },
  );
}

export function readNumber(raw: JsonValue | undefined, fallback: number, where: string): number {
  if (raw === undefined) return fallback;
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return raw;
  throw new StoredDataError(`The stored meta value ${where} is not a non-negative integer; the local database is damaged.`);
}
