/**
 * The install-id fields of protocol version 1 (see wire.ts): `installId` on push and pull requests,
 * `previousInstall` on their responses (src/server/install-ids.ts says what they mean). A module of
 * their own so that only clients that use them (`watchStorage`) carry their schemas.
 */
import * as z from './shape.js';
import { clientId, matching, wholeNumber } from './wire.js';

/** An id the app keeps for the device outside the local store. */
export const INSTALL_ID = /^[A-Za-z0-9_-]{8,128}$/;
export const installId = matching(INSTALL_ID, 'installId is 8-128 characters of [A-Za-z0-9_-]');

/**
 * What the server knows of the client this request's `installId` had before: its outbox was lost with
 * the local store if it had mutations accepted. Only on responses to requests that sent `installId`.
 */
export interface PreviousInstall {
  clientId: string;
  /** The last mutation the server accepted from it (at least 1: a client with none lost nothing). */
  lastMutationId: number;
  /** When the server last heard from it (server clock, epoch ms). */
  lastSeenAt: number;
}

export const previousInstall: z.Shape<PreviousInstall> = z.strictObject({
  clientId,
  /** The last mutation the server accepted from it (at least 1: a client with none lost nothing). */
  lastMutationId: wholeNumber(1),
  /** When the server last heard from it (server clock, epoch ms). */
  lastSeenAt: wholeNumber(0),
});
