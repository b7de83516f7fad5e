/** Public shapes of the server's dead letters: mutations given up after repeated handler failures. */
import type { JsonValue } from '../../protocol/json.js';

export interface DeadLetter {
  /** `"<clientId>:<mutationId>"` — unique, as a client id belongs to one scope and never holds ':'. */
  id: string;
  scope: string;
  clientId: string;
  mutationId: number;
  name: string;
  args: JsonValue;
  /** The client's wall-clock time of the mutation (informational). */
  createdAt: number;
  /** Message of the last failure (no stack). */
  error: string;
  /** Failed attempts before it was given up. */
  attempts: number;
  firstFailedAt: number;
  deadLetteredAt: number;
  /** `dead` until a replay succeeds; then `replayed`, with the scope version the replay committed. */
  status: 'dead' | 'replayed';
  replayedAt?: number;
  replayVersion?: number;
  /** The last replay that failed, if any (a later successful replay keeps it for the record). */
  lastReplayError?: { at: number; message: string };
}

export interface DeadLetterQuery {
  /** Only this scope's dead letters. */
  scope?: string;
  /** `dead` (default), `replayed`, or `all`. */
  status?: 'dead' | 'replayed' | 'all';
  /** At most this many, oldest first (default 100). */
  limit?: number;
}

export type DeadLetterReplay =
  | { status: 'replayed'; version: number; result?: JsonValue }
  /** The handler refused it (`MutationRejection`); nothing was written. */
  | { status: 'rejected'; code: string; message: string }
  /** The handler failed again; nothing was written. */
  | { status: 'failed'; message: string };
