/**
 * Messages of the WebSocket poke channel (`<basePath>/v1/socket`), version 1. Text frames, one JSON
 * object each, every one with `v` and `type`; both ends validate what they receive with these schemas
 * and close the socket on anything else (code 4000), so a foreign or damaged peer is noticed at once.
 *
 * client → server: `auth` (first message, within the auth timeout), then `heartbeat` now and then,
 * and optionally `status` (clientId, cursor, outbox backlog: makes the socket a peer of its scope).
 * server → client: `ready` (authenticated; carries the scope's current version), `poke`, `heartbeat`
 * (the answer to a client heartbeat, so the client can tell a dead connection from a quiet one), and
 * `peers` (the scope's connected peers) — only to sockets that sent a `status`, so clients that do
 * not know it never receive it.
 * Close codes: see SOCKET_CLOSE.
 */
import * as z from '../protocol/shape.js';
import { matching, wholeNumber } from '../protocol/wire.js';

export const SOCKET_PROTOCOL_VERSION = 1 as const;

/** Path of the socket endpoint under the server's base path. */
export const SOCKET_PATH = '/v1/socket';

/** Close codes the server uses (4000-4999 is the application range of RFC 6455). */
export const SOCKET_CLOSE = {
  /** The server is shutting down: reconnect after a short pause (to another instance). */
  goingAway: 1001,
  /** A message that is not valid JSON of this protocol version: do not resend it. */
  protocolError: 4000,
  /** The first message was not an `auth` with accepted credentials (or it came too late). */
  unauthenticated: 4001,
  /**
   * The socket fell behind: more than the server's bound of bytes were waiting to be sent to it.
   * Pokes were lost, so the client should pull and then reconnect.
   */
  tooSlow: 4008,
  /** No heartbeat answer in time: the connection is considered dead. */
  timeout: 4009,
} as const;

/** Unknown keys are dropped, not refused: a newer peer may add fields within version 1. */
const versioned = <K extends string, T extends Record<string, z.Shape<unknown>>>(type: K, shape: T) =>
  z.object({ v: z.literal(SOCKET_PROTOCOL_VERSION), type: z.literal(type), ...shape });

export const socketAuth = versioned('auth', { token: z.refine(z.string(), (token) => token.length <= 8192, 'a token has at most 8192 characters') });
export const clientHeartbeat = versioned('heartbeat', {});
export const socketStatus = versioned('status', {
  clientId: matching(/^[A-Za-z0-9_-]{8,64}$/, 'clientId is 8-64 characters of [A-Za-z0-9_-]'),
  cursor: wholeNumber(0),
  pendingCount: wholeNumber(0),
  oldestPendingAgeMs: z.nullable(wholeNumber(0)),
});
export const clientSocketMessage = z.union(socketAuth, clientHeartbeat, socketStatus);
export type ClientSocketMessage = z.Infer<typeof clientSocketMessage>;

export const socketReady = versioned('ready', { version: wholeNumber(0), heartbeatMs: wholeNumber(1) });
export const socketPoke = versioned('poke', { version: wholeNumber(0) });
export const serverHeartbeat = versioned('heartbeat', {});
/** Most peers one `peers` message lists (keeps it under MAX_SOCKET_MESSAGE-sized reads on the client). */
export const MAX_LISTED_PEERS = 200;
export const socketPeers = versioned('peers', {
  peers: z.refine(z.array(z.object({
    clientId: z.string(),
    connectedAt: wholeNumber(0),
    cursor: wholeNumber(0),
    pendingCount: wholeNumber(0),
    oldestPendingAgeMs: z.nullable(wholeNumber(0)),
    reportedAt: wholeNumber(0),
  })), (peers) => peers.length <= MAX_LISTED_PEERS, `lists at most ${MAX_LISTED_PEERS} peers`),
});
export const serverSocketMessage = z.union(socketReady, socketPoke, serverHeartbeat, socketPeers);
export type ServerSocketMessage = z.Infer<typeof serverSocketMessage>;

/** Largest message either side accepts, in characters (an auth token is the biggest). */
export const MAX_SOCKET_MESSAGE = 16 * 1024;

/** Parse one text frame; undefined when it is not a valid message of this version. */
export function parseSocketMessage<T>(schema: z.Shape<T>, data: unknown): T | undefined {
  if (typeof data !== 'string' || data.length > MAX_SOCKET_MESSAGE) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
