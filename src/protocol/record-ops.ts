/**
 * Generic record operations. They are both mutation names on the wire (`put`, `patch`, `delete`,
 * `increment`, with these args) and the local effects a client applies optimistically and re-applies
 * on rebase.
 */
import * as z from './shape.js';
import { collectionName, jsonObject, lengthIn, recordKey, version } from './wire.js';
import type { JsonObject } from './json.js';
import { hlcString } from './hlc.js';

/** The writer's hybrid-logical-clock stamp (last-writer-wins); a server stamps writes that lack one. */
const writeStamp = z.optional(hlcString);

export const RECORD_OP_NAMES = ['put', 'patch', 'delete', 'increment'] as const;
export type RecordOpName = (typeof RECORD_OP_NAMES)[number];

export const putArgs = z.strictObject({
  collection: collectionName,
  key: recordKey,
  value: jsonObject,
  /** Version of the record the client last saw; null when it believed the record did not exist. */
  baseVersion: z.nullable(version),
  hlc: writeStamp,
});
export const patchArgs = z.strictObject({
  collection: collectionName,
  key: recordKey,
  fields: z.refine(jsonObject, (f) => Object.keys(f).length > 0, 'a patch sets at least one field'),
  /** For each field in `fields`, the value the client saw there before (null when absent). */
  expected: jsonObject,
  baseVersion: z.nullable(version),
  hlc: writeStamp,
});
export const deleteArgs = z.strictObject({
  collection: collectionName,
  key: recordKey,
  baseVersion: z.nullable(version),
  hlc: writeStamp,
});

/**
 * A field name a counter can live in. Not `__proto__`: copying a record with it as an own key would
 * differ between a JSON.parse'd object and a spread.
 */
const fieldName = z.refine(lengthIn(z.string(), 1, 256), (f) => f !== '__proto__', 'the field name "__proto__" is not allowed');

/** The amount added by `increment`: any finite number (integers are exact; fractions add in binary floating point). */
const incrementBy = z.custom<number>((by, issues) => {
  if (typeof by !== 'number' || !Number.isFinite(by)) issues.push({ code: 'custom', path: [], message: 'by must be a finite number' });
  return by as number;
});

/**
 * Add `by` to a numeric field, at apply time: it never conflicts, so concurrent increments from any
 * number of writers all count. A missing record or field (or null) counts as 0; a field holding
 * anything but a number is a permanent rejection (`invalid-increment`). No `baseVersion`: the
 * current value is read where the increment applies.
 */
export const incrementArgs = z.strictObject({
  collection: collectionName,
  key: recordKey,
  field: fieldName,
  by: incrementBy,
  hlc: writeStamp,
});

export type PutArgs = z.Infer<typeof putArgs>;
export type PatchArgs = z.Infer<typeof patchArgs>;
export type DeleteArgs = z.Infer<typeof deleteArgs>;
export type IncrementArgs = z.Infer<typeof incrementArgs>;

/** A local effect of a mutation on one record. */
export type RecordOp =
  | { op: 'put'; collection: string; key: string; value: JsonObject }
  | { op: 'patch'; collection: string; key: string; fields: JsonObject }
  | { op: 'delete'; collection: string; key: string }
  | { op: 'increment'; collection: string; key: string; field: string; by: number };

export const recordOp: z.Shape<RecordOp> = z.union(
  z.strictObject({ op: z.literal('put'), collection: collectionName, key: recordKey, value: jsonObject }),
  z.strictObject({ op: z.literal('patch'), collection: collectionName, key: recordKey, fields: jsonObject }),
  z.strictObject({ op: z.literal('delete'), collection: collectionName, key: recordKey }),
  z.strictObject({ op: z.literal('increment'), collection: collectionName, key: recordKey, field: fieldName, by: incrementBy }),
);

/** Apply one op to a record value (undefined = absent). Patch on an absent record creates it. */
export function applyRecordOp(current: JsonObject | undefined, op: RecordOp): JsonObject | undefined {
  switch (op.op) {
    case 'put':
      return op.value;
    case 'patch':
      return { ...(current ?? {}), ...op.fields };
    case 'delete':
      return undefined;
    case 'increment': {
      // Rebase must be total: a field that stopped being a number is left alone (the server rejects).
      const next = incremented(current, op.field, op.by);
      return next === undefined ? current : { ...(current ?? {}), [op.field]: next };
    }
  }
}

/**
 * The field's value after adding `by` (missing or null counts as 0), or undefined when the increment
 * cannot apply: the field holds something else than a number, or the sum is not finite.
 */
export function incremented(current: JsonObject | undefined, field: string, by: number): number | undefined {
  // Own properties only: "constructor" must not find Object.prototype's.
  const value = current !== undefined && Object.hasOwn(current, field) ? (current[field] ?? null) : null;
  const base = value === null ? 0 : value;
  if (typeof base !== 'number') return undefined;
  const sum = base + by;
  return Number.isFinite(sum) ? sum : undefined;
}
