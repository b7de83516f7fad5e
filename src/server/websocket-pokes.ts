/**
 * WebSocket pokes (`<basePath>/v1/socket`): the same "scope changed up to version V" hints as the SSE
 * stream, over a socket that any client platform can open (React Native's fetch cannot stream SSE).
 *
 *   accept ─▶ authenticating ──auth ok──▶ open ──poke/heartbeat──▶ … ──▶ closed
 *                 │ bad/late auth: 4001         │ too slow (4008), dead (terminate), shutdown (1001)
 *
 * The token comes in the first message, never in the URL, so it does not land in access logs. One
 * timer serves every socket: each tick terminates sockets that did not answer the previous ping and
 * pings the rest. Backpressure: a socket whose unsent bytes (`bufferedAmount`: what the server holds
 * in memory for it) pass `maxBufferedBytes` is closed with 4008 and nothing more is queued for it, so
 * a client that stops reading costs at most that bound, never a growing queue.
 */
import type { Logger } from '../core/seams.js';
import type { PresenceFanout, ScopeChange } from './fanout.js';
import type { AuthResult } from './types.js';
import { createSocketPresence, type Peer } from './socket-presence.js';
import {
  clientSocketMessage, MAX_LISTED_PEERS, parseSocketMessage, SOCKET_CLOSE, SOCKET_PROTOCOL_VERSION, type ServerSocketMessage,
} from '../transport/websocket-messages.js';

/**
 * The server side of one upgraded socket — the subset of the `ws` package's WebSocket used here, so
 * another runtime's socket can be adapted. Contract: `send` queues a text frame and never throws on a
 * closing socket; `bufferedAmount` counts bytes queued in this process and not yet handed to the
 * kernel; 'close' fires exactly once, after which nothing is sent.
 */
export interface ServerSocket {
  readonly bufferedAmount: number;
  send(data: string): void;
  ping(): void;
  close(code: number, reason: string): void;
  terminate(): void;
  on(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  on(event: 'pong' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface WebSocketPokeOptions {
  /** Ping period, ms; a socket that has not answered by the next tick is dropped. Default 15 000. */
  heartbeatMs?: number;
  /** A socket holding more unsent bytes than this is closed with 4008. Default 64 KiB (a poke is ~40 bytes). */
  maxBufferedBytes?: number;
  /** The first message (`auth`) must arrive within this many ms. Default 10 000. */
  authTimeoutMs?: number;
  /** Changes to a scope's peers are announced at most once per this many ms. Default 250. */
  peersDebounceMs?: number;
  /** With a fan-out that shares presence: how often this instance re-announces its peers, ms. Default 10 000. */
  presenceHeartbeatMs?: number;
  /** …and after how long without a refresh another instance's peer is dropped (it crashed), ms. Default 3 × presenceHeartbeatMs. */
  presenceTtlMs?: number;
}

export interface WebSocketStats {
  /** Sockets connected now (authenticated or not). */
  sockets: number;
  /** Sockets closed because their unsent bytes passed the bound. */
  droppedTooSlow: number;
  /** Sockets terminated because they stopped answering pings. */
  droppedDead: number;
  /** The most unsent bytes seen queued for one socket (at a send or a heartbeat). */
  largestBufferedBytes: number;
}

/** What the server exposes to a runtime adapter (serveNode does the upgrade and hands the socket here). */
export interface WebSocketEndpoint {
  /** Path the adapter upgrades, with the server's base path. */
  readonly path: string;
  /** Take over an upgraded socket; `request` carries the upgrade's URL and headers (for `auth`). */
  accept(socket: ServerSocket, request: Request): void;
  stats(): WebSocketStats;
}

export interface WebSocketPokes extends WebSocketEndpoint {
  /** Scopes with at least one authenticated socket (for the fan-out's re-announce). */
  scopes(): string[];
  /** The scope's sockets that reported a `status`: on this instance, and on others when the fan-out shares presence. */
  peers(scope: string): Peer[];
  /** Close every socket with 1001 (server shutdown); new ones are refused the same way. */
  closeAll(): void;
}

/** Read through a function: TypeScript would keep a narrowing of `state` across an await. */
const isClosed = (conn: Connection): boolean => conn.state === 'closed';

interface Connection {
  socket: ServerSocket;
  state: 'authenticating' | 'open' | 'closed';
  scope?: string;
  /** When authentication succeeded; a peer's connectedAt. */
  openedAt?: number;
  /** Sent a `status`: a peer, and told about the others. */
  reports: boolean;
  alive: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** After a close frame, a peer that does not complete the close handshake is cut after this long. */
const CLOSE_GRACE_MS = 1000;

export function createWebSocketPokes(deps: {
  path: string;
  subscribe(listener: (change: ScopeChange) => void): () => void;
  authenticate(request: Request): Promise<AuthResult | null>;
  /** Resolves once the database is usable; the scope's version is read after it. */
  readVersion(scope: string): Promise<number>;
  logger: Logger;
  options?: WebSocketPokeOptions;
  /** The fan-out's presence channel: peers of other instances are listed too. */
  presence?: PresenceFanout | undefined;
}): WebSocketPokes {
  const heartbeatMs = deps.options?.heartbeatMs ?? 15_000;
  const maxBuffered = deps.options?.maxBufferedBytes ?? 64 * 1024;
  const authTimeoutMs = deps.options?.authTimeoutMs ?? 10_000;
  const all = new Set<Connection>();
  const byScope = new Map<string, Set<Connection>>();
  const stats = { droppedTooSlow: 0, droppedDead: 0, largestBufferedBytes: 0 };
  let shuttingDown = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let unsubscribe: (() => void) | undefined;

  const presence = createSocketPresence<Connection>({
    now: Date.now,
    debounceMs: deps.options?.peersDebounceMs ?? 250,
    fanout: deps.presence,
    logger: deps.logger,
    sharing: {
      ...(deps.options?.presenceHeartbeatMs === undefined ? {} : { heartbeatMs: deps.options.presenceHeartbeatMs }),
      ...(deps.options?.presenceTtlMs === undefined ? {} : { ttlMs: deps.options.presenceTtlMs }),
    },
    announce: (scope, peers) => {
      for (const conn of [...(byScope.get(scope) ?? [])]) {
        if (conn.reports) send(conn, { v: SOCKET_PROTOCOL_VERSION, type: 'peers', peers: peers.slice(0, MAX_LISTED_PEERS) });
      }
    },
  });

  const forget = (conn: Connection): void => {
    if (conn.reports) presence.leave(conn);
    conn.state = 'closed';
    clearTimeout(conn.timer);
    if (conn.scope !== undefined) {
      const peers = byScope.get(conn.scope);
      peers?.delete(conn);
      if (peers?.size === 0) byScope.delete(conn.scope);
    }
  };

  const close = (conn: Connection, code: number, reason: string): void => {
    if (conn.state === 'closed') return;
    forget(conn);
    conn.socket.close(code, reason);
    // A peer that stopped reading never answers the close frame: cut it so its buffers are freed.
    conn.timer = setTimeout(() => conn.socket.terminate(), CLOSE_GRACE_MS);
  };

  /** True while the socket's queue is within the bound; otherwise it is closed as too slow. */
  const withinBound = (conn: Connection): boolean => {
    const buffered = conn.socket.bufferedAmount;
    if (buffered > stats.largestBufferedBytes) stats.largestBufferedBytes = buffered;
    if (buffered <= maxBuffered) return true;
    stats.droppedTooSlow += 1;
    deps.logger.warn('server: closed a WebSocket that stopped reading (it re-syncs when it reconnects)', { scope: conn.scope, bufferedBytes: buffered, maxBufferedBytes: maxBuffered });
    close(conn, SOCKET_CLOSE.tooSlow, 'too slow: pull, then reconnect');
    return false;
  };

  const send = (conn: Connection, message: ServerSocketMessage): void => {
    if (conn.state === 'closed' || !withinBound(conn)) return;
    conn.socket.send(JSON.stringify(message));
    withinBound(conn);
  };

  const onChange = (change: ScopeChange): void => {
    const peers = byScope.get(change.scope);
    if (peers === undefined) return;
    for (const conn of [...peers]) send(conn, { v: SOCKET_PROTOCOL_VERSION, type: 'poke', version: change.version });
  };

  const tick = (): void => {
    for (const conn of [...all]) {
      if (conn.state === 'closed') continue;
      if (!conn.alive) {
        stats.droppedDead += 1;
        forget(conn);
        conn.socket.terminate();
        continue;
      }
      conn.alive = false;
      if (withinBound(conn)) conn.socket.ping();
    }
  };

  // One subscription and one timer for all sockets, held only while there are sockets, so an idle
  // server (and a closed one) has neither.
  const track = (conn: Connection): void => {
    all.add(conn);
    unsubscribe ??= deps.subscribe(onChange);
    heartbeat ??= setInterval(tick, heartbeatMs);
  };
  const untrack = (conn: Connection): void => {
    forget(conn);
    all.delete(conn);
    if (all.size > 0) return;
    unsubscribe?.();
    unsubscribe = undefined;
    clearInterval(heartbeat);
    heartbeat = undefined;
  };

  const authenticate = async (conn: Connection, token: string, upgrade: Request): Promise<void> => {
    const headers = new Headers(upgrade.headers);
    headers.set('authorization', `Bearer ${token}`);
    const auth = await deps.authenticate(new Request(upgrade.url, { headers }));
    if (conn.state === 'closed') return;
    if (auth === null) return close(conn, SOCKET_CLOSE.unauthenticated, 'unknown credentials');
    // Changes that arrive while the version is read are counted too, so `ready` is never behind them.
    let seen = 0;
    const early = deps.subscribe((change) => {
      if (change.scope === auth.scope) seen = Math.max(seen, change.version);
    });
    let version: number;
    try {
      version = await deps.readVersion(auth.scope);
    } finally {
      early();
    }
    // The socket may have closed while the version was read.
    if (isClosed(conn)) return;
    clearTimeout(conn.timer);
    conn.state = 'open';
    conn.scope = auth.scope;
    conn.openedAt = Date.now();
    byScope.set(auth.scope, (byScope.get(auth.scope) ?? new Set()).add(conn));
    send(conn, { v: SOCKET_PROTOCOL_VERSION, type: 'ready', version: Math.max(version, seen), heartbeatMs });
  };

  const onMessage = (conn: Connection, upgrade: Request, data: unknown, isBinary: boolean): void => {
    conn.alive = true;
    const text = isBinary ? undefined : typeof data === 'string' ? data : String(data);
    const message = text === undefined ? undefined : parseSocketMessage(clientSocketMessage, text);
    if (message === undefined) return close(conn, SOCKET_CLOSE.protocolError, `expected a version ${SOCKET_PROTOCOL_VERSION} JSON message`);
    if (conn.state === 'authenticating') {
      if (message.type !== 'auth') return close(conn, SOCKET_CLOSE.unauthenticated, 'the first message must be auth');
      authenticate(conn, message.token, upgrade).catch((error: unknown) => {
        // Database unreachable, auth function threw: the client retries with backoff.
        deps.logger.warn('server: could not open a WebSocket poke session', { error: String(error) });
        close(conn, SOCKET_CLOSE.goingAway, 'try again later');
      });
      return;
    }
    if (message.type === 'heartbeat') send(conn, { v: SOCKET_PROTOCOL_VERSION, type: 'heartbeat' });
    if (message.type === 'status' && conn.scope !== undefined) {
      conn.reports = true;
      const { clientId, cursor, pendingCount, oldestPendingAgeMs } = message;
      presence.report(conn, conn.scope, conn.openedAt ?? Date.now(), { clientId, cursor, pendingCount, oldestPendingAgeMs });
    }
  };

  return {
    path: deps.path,
    accept(socket, request) {
      const conn: Connection = { socket, state: 'authenticating', reports: false, alive: true, timer: undefined };
      socket.on('close', () => untrack(conn));
      // 'close' follows every error; nothing to add, but an unhandled 'error' would crash the process.
      socket.on('error', () => undefined);
      if (shuttingDown) {
        socket.close(SOCKET_CLOSE.goingAway, 'server shutting down');
        return;
      }
      track(conn);
      socket.on('pong', () => {
        conn.alive = true;
      });
      socket.on('message', (data, isBinary) => onMessage(conn, request, data, isBinary));
      conn.timer = setTimeout(() => close(conn, SOCKET_CLOSE.unauthenticated, 'no auth message in time'), authTimeoutMs);
    },
    stats: () => ({ sockets: all.size, ...stats }),
    scopes: () => [...byScope.keys()],
    peers: (scope) => presence.peers(scope),
    closeAll() {
      shuttingDown = true;
      presence.close();
      for (const conn of [...all]) close(conn, SOCKET_CLOSE.goingAway, 'server shutting down');
    },
  };
}
