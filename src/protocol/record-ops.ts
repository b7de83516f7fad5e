/**
 * Generic record operations. They are both mutation names on the wire (`put`, `patch`, `delete`,
 * with these args) and the local effects a client applies optimistically and re-applies on rebase.
 */
import { z } from 'zod';
import { collectionName, jsonObject, recordKey, version } from './wire.js';
import type { JsonObject } from './json.js';
import { hlcString } from './hlc.js';

/** The writer's hybrid-logical-clock stamp (last-writer-wins); a server stamps writes that lack one. */
const writeStamp = hlcString.optional();

export const RECORD_OP_NAMES = ['put', 'patch', 'delete'] as const;
export type RecordOpName = (typeof RECORD_OP_NAMES)[number];

export const putArgs = z.strictObject({
  collection: collectionName,
  key: recordKey,
  value: jsonObject,
  /** Version of the record the client last saw; null when it believed the record did not exist. */
  baseVersion: version.nullable(),
  hlc: writeStamp,
});
export const patchArgs = z.strictObject({
  collection: collectionName,
  key: recordKey,
  fields: jsonObject.refine((f) => Object.keys(f).length > 0, 'a patch sets at least one field'),
  /** For each field in `fields`, the value the client saw there before (null when absent). */
  expected: jsonObject,
  baseVersion: version.nullable(),
  hlc: writeStamp,
});
export const deleteArgs = z.strictObject({
  collection: collectionName,
  key: recordKey,
  baseVersion: version.nullable(),
  hlc: writeStamp,
});

export type PutArgs = z.infer<typeof putArgs>;
export type PatchArgs = z.infer<typeof patchArgs>;
export type DeleteArgs = z.infer<typeof deleteArgs>;

/** A local effect of a mutation on one record. */
export type RecordOp =
  | { op: 'put'; collection: string; key: string; value: JsonObject }
  | { op: 'patch'; collection: string; key: string; fields: JsonObject }
  | { op: 'delete'; collection: string; key: string };

export const recordOp: z.ZodType<RecordOp> = z.union([
  z.strictObject({ op: z.literal('put'), collection: collectionName, key: recordKey, value: jsonObject }),
  z.strictObject({ op: z.literal('patch'), collection: collectionName, key: recordKey, fields: jsonObject }),
  z.strictObject({ op: z.literal('delete'), collection: collectionName, key: recordKey }),
]);

/** Apply one op to a record value (undefined = absent). Patch on an absent record creates it. */
export function applyRecordOp(current: JsonObject | undefined, op: RecordOp): JsonObject | undefined {
  switch (op.op) {
    case 'put':
      return op.value;
    case 'patch':
      return { ...(current ?? {}), ...op.fields };
    case 'delete':
      return undefined;
  }
}
