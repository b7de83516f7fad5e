/**
 * Wire messages of protocol version 1, as zod schemas. Both ends validate every message where it
 * enters (server: requests; client: responses), so a peer speaking another version or sending a wrong
 * shape gets a clear error instead of corrupting state. docs/PROTOCOL.md is the prose twin of this file.
 *
 * Version history:
 *  - 1: first version. Later additions within v1 are optional fields that older peers may omit:
 *    pull `collection` (repair one collection), pull `digests` (on the last page) and push
 *    `settledThrough` (lets the server forget stored outcomes).
 *    Generic write args `hlc`; `conflict` on rejected outcomes (and `result.conflict` on applied
 *    generic writes); GET /v1/conflicts.
 *    Pull `digestFormat` next to `digests`: 2 = digests cover record values (absent = 1, versions only).
 *    Pull `elideOwnFrom` (request) and `echoes` (response): a client that asks for it gets a compact
 *    marker instead of the full value of a record whose value its own generic writes produced
 *    verbatim (no echo of what it just pushed). Servers that do not know the field refuse it (400),
 *    so servers are upgraded before clients, as for the other additions.
 */
import { z } from 'zod';
import type { JsonValue } from './json.js';
import { hlcString } from './hlc.js';

export const PROTOCOL_VERSION = 1 as const;

/** Upper bounds that both sides enforce; the server may be configured lower, never higher. */
export const LIMITS = {
  maxMutationsPerPush: 1000,
  maxPullLimit: 5000,
  maxNameLength: 128,
  maxKeyLength: 256,
  maxClientIdLength: 64,
  /** Arrays/objects nested in a mutation's args or a record value; deeper input can never succeed. */
  maxJsonDepth: 64,
} as const;

export const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number().refine(Number.isFinite, 'numbers must be finite'),
    z.boolean(),
    z.null(),
    z.array(jsonValue),
    z.record(z.string(), jsonValue),
  ]),
);
export const jsonObject = z.record(z.string(), jsonValue);

export const collectionName = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9_.-]{0,63}$/, 'collection names are 1-64 letters, digits, "_", "." or "-", starting with a letter');
export const recordKey = z.string().min(1).max(LIMITS.maxKeyLength);
export const clientId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'clientId is 8-64 characters of [A-Za-z0-9_-]');
export const mutationId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
export const version = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const mutation = z.strictObject({
  id: mutationId,
  name: z.string().min(1).max(LIMITS.maxNameLength),
  args: jsonValue,
  /** Client wall-clock milliseconds; informational (audit), never used for ordering. */
  createdAt: z.number().int().min(0),
});
export type Mutation = z.infer<typeof mutation>;

export const pushRequest = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  clientId,
  mutations: z.array(mutation).min(1).max(LIMITS.maxMutationsPerPush),
  /**
   * Every mutation of this client with an id at or below this is settled and gone from its outbox:
   * it will never be resent, so the server may forget their stored outcomes.
   */
  settledThrough: z.number().int().min(0).optional(),
});
export type PushRequest = z.infer<typeof pushRequest>;

export const appliedOutcome = z.strictObject({
  id: mutationId,
  status: z.literal('applied'),
  /** Scope version after this mutation took effect: a pull with cursor >= this sees its effects. */
  version,
  /** Handler result (e.g. the assigned documentNumber), if any. */
  result: jsonValue.optional(),
  /** True when this mutation had already been applied by an earlier request (the response was lost). */
  duplicate: z.boolean().optional(),
});
/**
 * How the server resolved a generic write that met a conflict. Applied writes carry it as
 * `result.conflict`; a `server-wins` rejection (code 'conflict') as the outcome's `conflict`.
 */
export const conflictReport = z.strictObject({
  /** The audit entry's `seq` (GET /v1/conflicts). */
  seq: z.number().int().min(1),
  strategy: z.enum(['server-wins', 'client-wins', 'last-writer-wins', 'merge', 'custom']),
  /** Whose state the record now holds: the server's (write lost), the client's, a field merge, a custom resolver's. */
  resolution: z.enum(['server', 'client', 'merged', 'custom']),
  /** Patches: the fields whose expected value no longer matched. */
  fields: z.array(z.string()).optional(),
  /** Version of the record the write met (0: it never existed). */
  serverVersion: version,
  /** The record the write met (null: absent). */
  serverValue: jsonObject.nullable(),
  /** The record after the resolution (null: absent). */
  value: jsonObject.nullable(),
  /** The record's hybrid-logical-clock stamp after the resolution. */
  hlc: hlcString.optional(),
});
export type ConflictReport = z.infer<typeof conflictReport>;

export const rejectedOutcome = z.strictObject({
  id: mutationId,
  status: z.literal('rejected'),
  version,
  code: z.string(),
  message: z.string(),
  duplicate: z.boolean().optional(),
  /** Present when the rejection is a conflict lost under `server-wins` (code 'conflict'). */
  conflict: conflictReport.optional(),
});
export const mutationOutcome = z.discriminatedUnion('status', [appliedOutcome, rejectedOutcome]);
export type MutationOutcome = z.infer<typeof mutationOutcome>;

export const pushResponse = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  lastMutationId: z.number().int().min(0),
  outcomes: z.array(mutationOutcome),
});
export type PushResponse = z.infer<typeof pushResponse>;

export const pullRequest = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  clientId,
  cursor: version,
  limit: z.number().int().min(1).max(LIMITS.maxPullLimit),
  /** Only this collection's changes (used to repair one collection from cursor 0). */
  collection: collectionName.optional(),
  /**
   * The client still holds its own mutations from this id on and asks for echo markers (see
   * `echoMarker`) instead of records it can rebuild from them. Absent: every record comes in full.
   */
  elideOwnFrom: mutationId.optional(),
});
export type PullRequest = z.infer<typeof pullRequest>;

export const upsertChange = z.strictObject({
  collection: collectionName,
  key: recordKey,
  version,
  value: jsonObject,
});
export const deleteChange = z.strictObject({
  collection: collectionName,
  key: recordKey,
  version,
  deleted: z.literal(true),
});
export const change = z.union([upsertChange, deleteChange]);
export type Change = z.infer<typeof change>;

/**
 * Stands for records of the page whose value the requesting client's own generic writes produced
 * verbatim. Record i of the marker (i < count) is the one mutation `mutationId + i` wrote, at version
 * `version + i`. With count 1, the value is the mutations `from`..`mutationId` of this client that
 * touch that record, applied in id order onto the client's confirmed record at version `base` (onto
 * nothing when `base` is absent). `hash` is EchoHasher's digest of the marker's records as the server
 * holds them (src/protocol/echo.ts): a client whose rebuild hashes differently asks again without
 * `elideOwnFrom`.
 */
export const echoMarker = z
  .strictObject({
    version: version.min(1),
    mutationId,
    count: z.number().int().min(2).max(LIMITS.maxPullLimit).optional(),
    from: mutationId.optional(),
    base: version.min(1).optional(),
    hash: z.string().regex(/^[0-9a-f]{16}$/),
  })
  .refine((m) => m.count === undefined || (m.from === undefined && m.base === undefined), 'a run of echoes (count) has no from or base')
  .refine((m) => m.from === undefined || m.from <= m.mutationId, 'from is at most mutationId');
export type EchoMarker = z.infer<typeof echoMarker>;

export const pullResponse = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  /** Version of the last change in this page (or the request cursor when the page is empty). */
  cursor: version,
  hasMore: z.boolean(),
  /**
   * Highest mutation id of this client whose effects are all at versions <= cursor. The client may
   * drop pending mutations up to here: their effects are in the confirmed state it now holds.
   */
  lastMutationId: z.number().int().min(0),
  changes: z.array(change),
  /** Only when the request had `elideOwnFrom`: records of the page sent as echo markers, not in `changes`. */
  echoes: z.array(echoMarker).optional(),
  /**
   * On the last page (hasMore false) only: the convergence digest of every non-empty collection of
   * the scope at `cursor`, read in the same snapshot as the page (see src/protocol/digest.ts).
   */
  digests: z.record(collectionName, z.strictObject({ count: z.number().int().min(0), digest: z.string().regex(/^[0-9a-f]{16}$/) })).optional(),
  /**
   * The format of `digests` (src/protocol/digest.ts); absent means 1. A client compares only digests
   * of the format it computes, and reports any other as "cannot compare" instead of repairing.
   */
  digestFormat: z.number().int().min(1).optional(),
});
export type PullResponse = z.infer<typeof pullResponse>;

/** One audit entry of GET /v1/conflicts: the conflict, what each side held, and the resolution. */
export const conflictRecord = conflictReport.extend({
  clientId,
  mutationId,
  collection: collectionName,
  key: z.string(),
  op: z.enum(['put', 'patch', 'delete']),
  /** The version the client based its write on (null: it believed the record absent). */
  baseVersion: version.nullable(),
  /** Patches: per field, the value the client saw before. */
  expected: jsonObject.optional(),
  /** What the client wrote: the put value, the patched fields, or null for a delete. */
  clientValue: jsonObject.nullable(),
  clientHlc: hlcString,
  /** Client wall clock when the write was made (informational). */
  clientCreatedAt: z.number().int().min(0),
  /** Server wall clock when the conflict was resolved. */
  resolvedAt: z.number().int().min(0),
});
export type ConflictRecord = z.infer<typeof conflictRecord>;

export const conflictsResponse = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  conflicts: z.array(conflictRecord),
  /** More entries exist after the last one: ask again with `after` = its `seq`. */
  hasMore: z.boolean(),
});
export type ConflictsResponse = z.infer<typeof conflictsResponse>;

export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    retryable: z.boolean(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBody>;

export const healthResponse = z.object({
  v: z.literal(PROTOCOL_VERSION),
  status: z.literal('ok'),
});
export type HealthResponse = z.infer<typeof healthResponse>;

/** Turn a zod failure into one readable line: "mutations.0.id: Too small: expected number to be >=1". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
