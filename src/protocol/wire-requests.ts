/**
 * Request messages of protocol version 1 (see wire.ts): validated by the server where they enter.
 * A module of their own so a client bundle, which only sends them, does not carry their schemas.
 */
import * as z from './shape.js';
import { clientId, collectionName, jsonValue, lengthIn, LIMITS, mutationId, PROTOCOL_VERSION, version, wholeNumber } from './wire.js';
import { installId } from './wire-install.js';

export const mutation = z.strictObject({
  id: mutationId,
  name: lengthIn(z.string(), 1, LIMITS.maxNameLength),
  args: jsonValue,
  /** Client wall-clock milliseconds; informational (audit), never used for ordering. */
  createdAt: wholeNumber(0),
});
export type Mutation = z.Infer<typeof mutation>;

export const pushRequest = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  clientId,
  mutations: lengthIn(z.array(mutation), 1, LIMITS.maxMutationsPerPush, 'mutations'),
  /**
   * Every mutation of this client with an id at or below this is settled and gone from its outbox:
   * it will never be resent, so the server may forget their stored outcomes.
   */
  settledThrough: z.optional(wholeNumber(0)),
  /** The app's id for this device, kept outside the local store: lets the server report a wiped store. */
  installId: z.optional(installId),
});
export type PushRequest = z.Infer<typeof pushRequest>;

export const pullRequest = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  clientId,
  cursor: version,
  limit: wholeNumber(1, LIMITS.maxPullLimit),
  /** Only this collection's changes (used to repair one collection from cursor 0). */
  collection: z.optional(collectionName),
  /**
   * The client still holds its own mutations from this id on and asks for echo markers (see
   * `echoMarker`) instead of records it can rebuild from them. Absent: every record comes in full.
   */
  elideOwnFrom: z.optional(mutationId),
  /** As on push. */
  installId: z.optional(installId),
});
export type PullRequest = z.Infer<typeof pullRequest>;

