/**
 * Pokes over the platform's WebSocket (browsers, React Native, Node 22; on Node 20 pass `ws`'s
 * WebSocket). The token travels in the first message, never in the URL. The client sends a heartbeat
 * every `heartbeatMs` the server announced and the server answers it; a connection that stays silent
 * for two periods is dead (a half-open TCP connection after a network change looks quiet, not
 * closed) and is dropped, so the ladder reconnects.
 */
import { systemTimers, type Timers } from '../core/seams.js';
import { TransportError } from '../core/errors.js';
import type { Poke } from './realtime.js';
import { createPresenceSession, type PresenceOptions, type PresenceSession } from './realtime-presence.js';
import { createRealtimeLadder, UnsupportedSourceError, type LadderChannel, type PokeSource, type RealtimeLadderOptions } from './realtime-ladder.js';
import { parseSocketMessage, serverSocketMessage, SOCKET_CLOSE, SOCKET_PATH, SOCKET_PROTOCOL_VERSION } from './websocket-messages.js';

/** The part of the WHATWG WebSocket used here: browsers, React Native and `ws` all provide it. */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: never) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface WebSocketPokesOptions extends RealtimeLadderOptions {
  /** Server base URL (http or https; the socket is at ws(s)://…/v1/socket). */
  url: string;
  token?: string | (() => string | Promise<string>);
  /** Default `globalThis.WebSocket`; on Node 20 pass `WebSocket` from the `ws` package. */
  WebSocket?: WebSocketConstructor;
  /**
   * Report this client's status (clientId, cursor, backlog, oldest pending age) and receive the
   * scope's peer list, read with `client.peers()`. Off by default: see realtime-presence.ts.
   * @example createRealtimePokes({ url, token, presence: true }) // a back office, and the tills it watches
   */
  presence?: boolean | PresenceOptions;
}

/** Pokes over WebSocket only, reconnecting with the shared retry policy. */
export function createWebSocketPokes(options: WebSocketPokesOptions): LadderChannel {
  return createRealtimeLadder([webSocketSource(options)], options);
}

export function webSocketSource(options: WebSocketPokesOptions): PokeSource {
  const timers = options.timers ?? systemTimers;
  const presence = options.presence === undefined || options.presence === false
    ? undefined
    : createPresenceSession(timers, options.presence === true ? {} : options.presence);
  return {
    name: 'websocket',
    ...(presence === undefined ? {} : { presence }),
    async session(signal, onPoke) {
      const Socket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
      if (Socket === undefined) throw new UnsupportedSourceError('This platform has no WebSocket; pass one as `WebSocket`.');
      const token = typeof options.token === 'function' ? await options.token() : options.token;
      if (signal.aborted) return;
      await runSocket(new Socket(socketUrl(options.url)), token ?? '', timers, signal, onPoke, presence);
    },
  };
}

export function socketUrl(base: string): string {
  const url = new URL(`${base.replace(/\/+$/, '')}${SOCKET_PATH}`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

function runSocket(socket: WebSocketLike, token: string, timers: Timers, signal: AbortSignal, onPoke: (poke: Poke) => void, presence: PresenceSession | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let heartbeat: unknown;
    let watchdog: unknown;
    let settled = false;
    let ready = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      if (ready) presence?.disconnected();
      timers.clearTimeout(heartbeat);
      timers.clearTimeout(watchdog);
      signal.removeEventListener('abort', onAbort);
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      try {
        socket.close(1000);
      } catch {
        // Already closing.
      }
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = (): void => finish();
    signal.addEventListener('abort', onAbort, { once: true });

    let heartbeatMs = 0;
    // Silence for two heartbeat periods (plus slack for a busy event loop) means the link is dead.
    const armWatchdog = (): void => {
      timers.clearTimeout(watchdog);
      if (heartbeatMs > 0) watchdog = timers.setTimeout(() => finish(new TransportError('The poke socket went silent.')), heartbeatMs * 2 + 1000);
    };
    const beat = (): void => {
      socket.send(JSON.stringify({ v: SOCKET_PROTOCOL_VERSION, type: 'heartbeat' }));
      heartbeat = timers.setTimeout(beat, heartbeatMs);
      presence?.heartbeat();
    };

    socket.onopen = () => socket.send(JSON.stringify({ v: SOCKET_PROTOCOL_VERSION, type: 'auth', token }));
    socket.onmessage = (event) => {
      const message = parseSocketMessage(serverSocketMessage, event.data);
      if (message === undefined) {
        finish(new TransportError('The server sent a poke message this client does not understand.'));
        return;
      }
      armWatchdog();
      if (message.type === 'ready') {
        ready = true;
        heartbeatMs = message.heartbeatMs;
        armWatchdog();
        heartbeat = timers.setTimeout(beat, heartbeatMs);
        presence?.connected(({ clientId, cursor, backlog, oldestPendingAgeMs }) =>
          socket.send(JSON.stringify({ v: SOCKET_PROTOCOL_VERSION, type: 'status', clientId, cursor, pendingCount: backlog, oldestPendingAgeMs })));
      }
      // `peers` comes only to a socket that reported a status, i.e. with presence on.
      if (message.type === 'peers' && ready) presence?.received(message.peers);
      if ((message.type === 'ready' || message.type === 'poke') && ready) onPoke({ version: message.version });
    };
    socket.onclose = (event) => {
      // 4008: the server dropped us for falling behind; the first poke after reconnecting brings the
      // scope's current version, which starts the pull that catches up.
      if (event.code === 1000 || event.code === SOCKET_CLOSE.goingAway || event.code === SOCKET_CLOSE.tooSlow) finish();
      else finish(new TransportError(`The poke socket closed (${event.code}${event.reason === '' ? '' : `: ${event.reason}`}).`));
    };
    socket.onerror = () => undefined; // a close event follows
  });
}
