/** Serve a SyncServer over Node's HTTP, with @hono/node-server's request listener. */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { SyncServer } from './types.js';
import { answerClientError } from './client-error.js';
import { errorResponse, HttpError, internalError } from './http-errors.js';
import { validateDrainMs } from './shutdown.js';
import { InvalidArgumentError } from '../core/errors.js';
import { attachWebSockets } from './websocket-node.js';

export interface ServeNodeOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default loopback only. */
  host?: string;
  /**
   * Serve WebSocket pokes at `<basePath>/v1/socket` (needs the optional peer dependency `ws`).
   * Default: when `ws` can be loaded; `true` makes a missing `ws` an error; `false` turns it off
   * (clients then fall back to SSE).
   */
  websocket?: boolean;
  /**
   * Limits against slow clients (slow-loris): a request still arriving after them is answered 408
   * `request-timeout` (JSON error body) and its connection closed. The body also has the server's own
   * deadline once a handler reads it (`limits.bodyTimeoutMs`).
   */
  timeouts?: NodeTimeouts;
}

export interface NodeTimeouts {
  /** All request headers must arrive within this, ms. Default 20 000. */
  headersMs?: number;
  /** The whole request (headers and body) must arrive within this, ms. Default 60 000. */
  requestMs?: number;
  /** A connection with no traffic either way for this long is closed, ms. Keep above the event-stream heartbeat (15 s). Default 120 000. */
  idleMs?: number;
}

export interface NodeServerHandle {
  url: string;
  port: number;
  /**
   * Stop listening and end every connection (keep-alive included), so the process can exit. With
   * `drainMs`, connections with a request in progress may finish it first (each closes once idle);
   * whatever is still open at the deadline is cut. Default 0: cut at once.
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

export async function serveNode(server: SyncServer, options: ServeNodeOptions = {}): Promise<NodeServerHandle> {
  const host = options.host ?? '127.0.0.1';
  // An error escaping server.fetch is the server's fault (500, retryable); the adapter's errorHandler
  // below sees only what it met turning the Node request into a Web Request (the client's fault).
  const listener = getRequestListener(async (request) => {
    try {
      return await server.fetch(request);
    } catch (error) {
      return errorResponse(internalError(error));
    }
  }, {
    hostname: host,
    // Never replace the process-wide Request/Response of the host app.
    overrideGlobalObjects: false,
    // A request the adapter cannot turn into a Web Request (bad Host, bad target) gets the JSON error body.
    errorHandler: (error) => unparseableRequest(error),
  });
  // Node would answer a Host-less HTTP/1.1 request with a bare 400 of its own; the listener falls back
  // to the listening host instead, so it is served (or refused) like any other request.
  const timeouts = resolveTimeouts(options.timeouts);
  const http = createServer({
    requireHostHeader: false,
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    // Node looks for expired requests only this often (30 s by default, which would let a slow
    // client linger up to that long past its deadline).
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(timeouts.headersMs / 4))),
  }, (request, response) => {
    if (wantsEventStream(request)) flushEachWrite(response);
    void listener(request, response);
  });
  // Socket inactivity: with no 'timeout' listener Node destroys the socket.
  http.setTimeout(timeouts.idleMs);
  // Replaces Node's default answer to a request its parser refuses (a bare status line) with the JSON error body.
  http.on('clientError', answerClientError);
  const sockets = options.websocket === false ? undefined : await attachWebSockets(http, server, host, options.websocket === true);
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', reject);
      const info = http.address() as AddressInfo;
      const urlHost = host.includes(':') ? `[${host}]` : host;
      resolve({ url: `http://${urlHost}:${info.port}`, port: info.port, close: (o) => {
        const drainMs = validateDrainMs(o?.drainMs ?? 0);
        sockets?.close();
        return closeServer(http, drainMs);
      } });
    });
  });
}

const DEFAULT_TIMEOUTS = { headersMs: 20_000, requestMs: 60_000, idleMs: 120_000 } as const;

/** Connections still answering are checked this often and closed as soon as they are idle. */
const IDLE_SWEEP_MS = 20;

function closeServer(http: Server, drainMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!http.listening) {
      resolve();
      return;
    }
    // Stops accepting at once; the callback runs when the last connection has ended.
    http.close((error) => {
      clearInterval(sweep);
      clearTimeout(deadline);
      if (error === undefined) resolve();
      else reject(error);
    });
    http.closeIdleConnections();
    // A keep-alive connection becomes idle once its response is written: close it then, so no new
    // request starts on it while the rest drain.
    const sweep = setInterval(() => http.closeIdleConnections(), IDLE_SWEEP_MS);
    const deadline = setTimeout(() => http.closeAllConnections(), Math.min(drainMs, 2 ** 31 - 1));
  });
}

function resolveTimeouts(given: NodeTimeouts = {}): Required<NodeTimeouts> {
  const ms = (value: number | undefined, fallback: number, name: string): number => {
    if (value === undefined) return fallback;
    if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(`timeouts.${name} must be a whole number of ms >= 1, got ${String(value)}.`);
    return value;
  };
  const resolved = {
    headersMs: ms(given.headersMs, DEFAULT_TIMEOUTS.headersMs, 'headersMs'),
    requestMs: ms(given.requestMs, DEFAULT_TIMEOUTS.requestMs, 'requestMs'),
    idleMs: ms(given.idleMs, DEFAULT_TIMEOUTS.idleMs, 'idleMs'),
  };
  // Node refuses a headers timeout longer than the request timeout; the request one covers them anyway.
  resolved.headersMs = Math.min(resolved.headersMs, resolved.requestMs);
  return resolved;
}

function wantsEventStream(request: IncomingMessage): boolean {
  return request.headers.accept?.includes('text/event-stream') === true;
}

/**
 * Sends each chunk of a streaming response as it is written. Node corks the socket on a chunked write
 * and uncorks it on the next tick, which comes only after every promise job queued meanwhile: a poke
 * written during a push's commit left after that push's whole response, half a millisecond later
 * (more on a busy server). Pokes are a few dozen bytes each and rare, so a packet each costs nothing.
 */
function flushEachWrite(response: ServerResponse): void {
  const write = response.write.bind(response) as (...args: unknown[]) => boolean;
  response.write = ((...args: unknown[]) => {
    const ok = write(...args);
    // Only this response's socket; a second uncork by Node's own next-tick callback is a no-op.
    response.socket?.uncork();
    return ok;
  }) as ServerResponse['write'];
}

function unparseableRequest(error: unknown): Response {
  const reason = error instanceof Error ? error.message : 'unreadable request';
  return errorResponse(new HttpError(400, 'malformed-request', `The request cannot be read (${reason}); check the Host header and the request target.`, { cause: error }));
}
