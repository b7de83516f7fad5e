/**
 * Wire messages of protocol version 1, as shapes (shape.ts: small hand-written combinators, so a
 * browser bundle carries no validation library — see test/bundle/client-size.test.ts). Both ends validate every message where it
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
 *    Push and pull `installId` (request) and `previousInstall` (response): an id the app keeps outside
 *    the local store, so the server can tell a device whose store was wiped (src/server/install-ids.ts).
 *    Sent only when the app sets `watchStorage({ installId })`; an older server refuses it with 400.
 */
import * as z from './shape.js';
import { copyJson, copyJsonObject, NotJsonError, type JsonValue } from './json.js';
import { hlcString } from './hlc.js';
import type { PreviousInstall } from './wire-install.js';

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

/** A whole number in [min, max]: ids, versions, counts and clocks on the wire. */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): z.Shape<number> {
  const range = max !== Number.MAX_SAFE_INTEGER ? ` from ${min} to ${max}` : min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : '';
  return z.refine(z.number(), (n) => Number.isSafeInteger(n) && n >= min && n <= max, `must be a whole number${range}`);
}

/**
 * JSON checked and copied in one walk (copyJson) rather than as a recursive union of shapes: no
 * alternative is tried and failed at every level, and a failure names the offending field.
 */
function jsonSchema<T extends JsonValue>(copy: (value: unknown) => T): z.Shape<T> {
  return z.custom((value, issues) => {
    try {
      return copy(value);
    } catch (error) {
      if (!(error instanceof NotJsonError)) throw error;
      issues.push({ code: 'custom', message: error.message, path: error.path });
      return value as T;
    }
  });
}

export const jsonValue = jsonSchema(copyJson);
export const jsonObject = jsonSchema(copyJsonObject);

/** A string `pattern` matches; `rule` tells what that means. (A refinement: see wholeNumber.) */
export function matching(pattern: RegExp, rule: string): z.Shape<string> {
  return z.refine(z.string(), (text) => pattern.test(text), rule);
}

/** A string, or an array, of `min` to `max` characters or items. */
export function lengthIn<T extends string | readonly unknown[]>(schema: z.Shape<T>, min: number, max: number, unit = 'characters'): z.Shape<T> {
  return z.refine(schema, (value) => value.length >= min && lengthOf(value, max) <= max, `must have ${min}-${max} ${unit}`);
}

/** Characters are code points (as zod counted them): an emoji (a surrogate pair) is one. */
function lengthOf(value: string | readonly unknown[], max: number): number {
  return typeof value === 'string' && value.length > max ? [...value].length : value.length;
}

/** The rule for collection names, for the hand-written checks that must agree with `collectionName`. */
export const COLLECTION_NAME = /^[a-zA-Z][a-zA-Z0-9_.-]{0,63}$/;
export const collectionName = matching(COLLECTION_NAME, 'collection names are 1-64 letters, digits, "_", "." or "-", starting with a letter');
export const recordKey = lengthIn(z.string(), 1, LIMITS.maxKeyLength);
export const clientId = matching(/^[A-Za-z0-9_-]{8,64}$/, 'clientId is 8-64 characters of [A-Za-z0-9_-]');
export const mutationId = wholeNumber(1);
export const version = wholeNumber(0);
const hex16 = matching(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex digits');

export type { Mutation, PushRequest, PullRequest } from './wire-requests.js';
export type { ConflictRecord, ConflictsResponse } from './wire-conflicts.js';
export type { PreviousInstall } from './wire-install.js';

export const appliedOutcome = z.strictObject({
  id: mutationId,
  status: z.literal('applied'),
  /** Scope version after this mutation took effect: a pull with cursor >= this sees its effects. */
  version,
  /** Handler result (e.g. the assigned documentNumber), if any. */
  result: z.optional(jsonValue),
  /** True when this mutation had already been applied by an earlier request (the response was lost). */
  duplicate: z.optional(z.boolean()),
});
/**
 * How the server resolved a generic write that met a conflict. Applied writes carry it as
 * `result.conflict`; a `server-wins` rejection (code 'conflict') as the outcome's `conflict`.
 */
export const conflictReport = z.strictObject({
  /** The audit entry's `seq` (GET /v1/conflicts). */
  seq: wholeNumber(1),
  strategy: z.literal('server-wins', 'client-wins', 'last-writer-wins', 'merge', 'custom'),
  /** Whose state the record now holds: the server's (write lost), the client's, a field merge, a custom resolver's. */
  resolution: z.literal('server', 'client', 'merged', 'custom'),
  /** Patches: the fields whose expected value no longer matched. */
  fields: z.optional(z.array(z.string())),
  /** Version of the record the write met (0: it never existed). */
  serverVersion: version,
  /** The record the write met (null: absent). */
  serverValue: z.nullable(jsonObject),
  /** The record after the resolution (null: absent). */
  value: z.nullable(jsonObject),
  /** The record's hybrid-logical-clock stamp after the resolution. */
  hlc: z.optional(hlcString),
});
export type ConflictReport = z.Infer<typeof conflictReport>;

export const rejectedOutcome = z.strictObject({
  id: mutationId,
  status: z.literal('rejected'),
  version,
  code: z.string(),
  message: z.string(),
  duplicate: z.optional(z.boolean()),
  /** Present when the rejection is a conflict lost under `server-wins` (code 'conflict'). */
  conflict: z.optional(conflictReport),
});
export const mutationOutcome = z.union(appliedOutcome, rejectedOutcome);
export type MutationOutcome = z.Infer<typeof mutationOutcome>;

/**
 * `previousInstall` (wire-install.ts), passed through here unchecked: only a client that sends
 * `installId` gets it, and that client's storage watch checks it, so other web apps do not download
 * its schema.
 */
const passedOn = z.optional(z.custom<PreviousInstall>());

export const pushResponse = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  lastMutationId: wholeNumber(0),
  outcomes: z.array(mutationOutcome),
  previousInstall: passedOn,
});
export type PushResponse = z.Infer<typeof pushResponse>;

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
export const change = z.union(upsertChange, deleteChange);
export type Change = z.Infer<typeof change>;

/**
 * Stands for records of the page whose value the requesting client's own generic writes produced
 * verbatim. Record i of the marker (i < count) is the one mutation `mutationId + i` wrote, at version
 * `version + i`. With count 1, the value is the mutations `from`..`mutationId` of this client that
 * touch that record, applied in id order onto the client's confirmed record at version `base` (onto
 * nothing when `base` is absent). `hash` is EchoHasher's digest of the marker's records as the server
 * holds them (src/protocol/echo.ts): a client whose rebuild hashes differently asks again without
 * `elideOwnFrom`.
 */
export const echoMarker = z.refine(
  z.refine(
    z.strictObject({
      version: wholeNumber(1),
      mutationId,
      count: z.optional(wholeNumber(2, LIMITS.maxPullLimit)),
      from: z.optional(mutationId),
      base: z.optional(wholeNumber(1)),
      hash: hex16,
    }),
    (m) => m.count === undefined || (m.from === undefined && m.base === undefined),
    'a run of echoes (count) has no from or base',
  ),
  (m) => m.from === undefined || m.from <= m.mutationId,
  'from is at most mutationId',
);
export type EchoMarker = z.Infer<typeof echoMarker>;

const collectionDigest = z.strictObject({ count: wholeNumber(0), digest: hex16 });

/** Collection name → its digest. */
const collectionDigests = z.record(collectionName, collectionDigest);

export const pullResponse = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  /** Version of the last change in this page (or the request cursor when the page is empty). */
  cursor: version,
  hasMore: z.boolean(),
  /**
   * Highest mutation id of this client whose effects are all at versions <= cursor. The client may
   * drop pending mutations up to here: their effects are in the confirmed state it now holds.
   */
  lastMutationId: wholeNumber(0),
  changes: z.array(change),
  /** Only when the request had `elideOwnFrom`: records of the page sent as echo markers, not in `changes`. */
  echoes: z.optional(z.array(echoMarker)),
  /**
   * On the last page (hasMore false) only: the convergence digest of every non-empty collection of
   * the scope at `cursor`, read in the same snapshot as the page (see src/protocol/digest.ts).
   */
  digests: z.optional(collectionDigests),
  /**
   * The format of `digests` (src/protocol/digest.ts); absent means 1. A client compares only digests
   * of the format it computes, and reports any other as "cannot compare" instead of repairing.
   */
  digestFormat: z.optional(wholeNumber(1)),
  previousInstall: passedOn,
});
export type PullResponse = z.Infer<typeof pullResponse>;

export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    retryable: z.boolean(),
    details: z.optional(
      z.custom<Record<string, unknown>>((value, issues) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) issues.push({ code: 'custom', path: [], message: 'Invalid input: expected an object' });
        return value as Record<string, unknown>;
      }),
    ),
  }),
});
export type ErrorBody = z.Infer<typeof errorBody>;

export const healthResponse = z.object({
  v: z.literal(PROTOCOL_VERSION),
  status: z.literal('ok'),
});
export type HealthResponse = z.Infer<typeof healthResponse>;

export { describeIssues } from './issues.js';
