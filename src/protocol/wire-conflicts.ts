/**
 * GET /v1/conflicts (protocol version 1, see wire.ts): the server's conflict audit. A module of its
 * own so a client bundle, which never reads the audit, does not carry its schemas.
 */
import * as z from './shape.js';
import { hlcString } from './hlc.js';
import { clientId, collectionName, matching, conflictReport, jsonObject, mutationId, PROTOCOL_VERSION, version, wholeNumber } from './wire.js';

/**
 * Who made the write that met the conflict: a client, or the server itself writing on behalf of a
 * replay, an incoming webhook or an effect's write-back (`syncline:<origin>`, never a client's id).
 */
const writerId = z.union(clientId, matching(/^syncline:[a-z-]{1,32}$/, 'a server-side writer is syncline:<origin>'));

/** One audit entry of GET /v1/conflicts: the conflict, what each side held, and the resolution. */
export const conflictRecord = z.strictObject({
  ...conflictReport.shape,
  clientId: writerId,
  mutationId,
  collection: collectionName,
  key: z.string(),
  op: z.literal('put', 'patch', 'delete'),
  /** The version the client based its write on (null: it believed the record absent). */
  baseVersion: z.nullable(version),
  /** Patches: per field, the value the client saw before. */
  expected: z.optional(jsonObject),
  /** What the client wrote: the put value, the patched fields, or null for a delete. */
  clientValue: z.nullable(jsonObject),
  clientHlc: hlcString,
  /** Client wall clock when the write was made (informational). */
  clientCreatedAt: wholeNumber(0),
  /** Server wall clock when the conflict was resolved. */
  resolvedAt: wholeNumber(0),
});
export type ConflictRecord = z.Infer<typeof conflictRecord>;

export const conflictsResponse = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  conflicts: z.array(conflictRecord),
  /** More entries exist after the last one: ask again with `after` = its `seq`. */
  hasMore: z.boolean(),
});
export type ConflictsResponse = z.Infer<typeof conflictsResponse>;

