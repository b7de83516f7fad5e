/**
 * The server side of the transport conformance suite: a real syncline sync server (SQLite in memory,
 * `products` writable with the generic put/patch/delete) reachable over HTTP on 127.0.0.1 and in
 * process, with switches that make it misbehave in the ways a transport has to report — stall (for
 * timeouts, aborts and close), answer with a body that breaks the protocol, or refuse with 503 and
 * Retry-After. It listens on a socket, so it is Node-only; the suite loads it lazily, which keeps
 * `syncline/testing` importable where the server's peer dependencies are not installed.
 */
import type { NodeServerHandle } from '../server/node-adapter.js';
import type { SyncServer } from '../server/types.js';

/** How the server answers from now on: `normal` is the real sync server. */
export type ConformanceServerMode = 'normal' | 'stall' | 'garble' | 'overloaded';

/** Retry-After the `overloaded` mode sends, in seconds. */
export const OVERLOADED_RETRY_AFTER_S = 3;

export interface ConformanceServer {
  /** Base URL over real HTTP on 127.0.0.1. */
  readonly url: string;
  /** Base URL of a port nothing listens on (a server that is down). */
  readonly downUrl: string;
  /** The same server in process (Web Request → Response); the host part of the URL is ignored. */
  fetch(request: Request): Promise<Response>;
  /** The one token the server accepts. */
  readonly token: string;
  mode: ConformanceServerMode;
  /** Requests that reached the server so far, whatever the mode. */
  requests(): number;
  /** Resolves once a request is being held by the `stall` mode. */
  nextStall(): Promise<void>;
  /** Back to `normal`; requests still stalled are answered with 503. */
  reset(): void;
  close(): Promise<void>;
}

export const CONFORMANCE_TOKEN = 'conformance-token';

export async function startConformanceServer(): Promise<ConformanceServer> {
  const { createSyncServer, serveNode, tokenAuth } = await import('../server.js');
  const server = createSyncServer({
    database: { sqlite: ':memory:' },
    auth: tokenAuth({ [CONFORMANCE_TOKEN]: 'conformance' }),
    collections: { products: { writable: true } },
  });
  const switchboard = new Switchboard(server);
  const http = await serveNode({ ...server, fetch: (request) => switchboard.fetch(request) });
  const downUrl = await unusedUrl(serveNode, server);
  return {
    url: http.url,
    downUrl,
    token: CONFORMANCE_TOKEN,
    fetch: (request) => switchboard.fetch(request),
    get mode() {
      return switchboard.mode;
    },
    set mode(mode: ConformanceServerMode) {
      switchboard.mode = mode;
    },
    requests: () => switchboard.requests,
    nextStall: () => switchboard.nextStall(),
    reset: () => switchboard.reset(),
    async close() {
      switchboard.reset();
      await http.close();
      await server.close();
    },
  };
}

/** Routes each request to the real server or to the misbehaviour the current mode asks for. */
class Switchboard {
  mode: ConformanceServerMode = 'normal';
  requests = 0;
  readonly #server: SyncServer;
  readonly #stalled = new Set<() => void>();
  #stallWaiters: Array<() => void> = [];

  constructor(server: SyncServer) {
    this.#server = server;
  }

  fetch(request: Request): Promise<Response> {
    this.requests += 1;
    switch (this.mode) {
      case 'normal':
        return this.#server.fetch(request);
      case 'stall':
        return this.#stall(request);
      case 'garble':
        return Promise.resolve(json(200, { v: 1, unexpected: 'this is not a syncline response' }));
      case 'overloaded':
        return Promise.resolve(
          json(503, { error: { code: 'unavailable', message: 'Simulated overload.', retryable: true } }, { 'retry-after': String(OVERLOADED_RETRY_AFTER_S) }),
        );
    }
  }

  nextStall(): Promise<void> {
    return new Promise((resolve) => this.#stallWaiters.push(resolve));
  }

  reset(): void {
    this.mode = 'normal';
    for (const release of [...this.#stalled]) release();
  }

  /** Never answers on its own; like a real fetch, gives up when the request's signal aborts. */
  #stall(request: Request): Promise<Response> {
    return new Promise((resolve, reject) => {
      const release = (): void => {
        this.#stalled.delete(release);
        request.signal.removeEventListener('abort', onAbort);
        resolve(json(503, { error: { code: 'unavailable', message: 'Released by the conformance suite.', retryable: true } }));
      };
      const onAbort = (): void => {
        this.#stalled.delete(release);
        reject(request.signal.reason);
      };
      if (request.signal.aborted) {
        onAbort();
        return;
      }
      request.signal.addEventListener('abort', onAbort, { once: true });
      this.#stalled.add(release);
      const waiters = this.#stallWaiters;
      this.#stallWaiters = [];
      for (const wake of waiters) wake();
    });
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** A loopback URL whose port was just released: connecting to it is refused. */
async function unusedUrl(serve: (server: SyncServer) => Promise<NodeServerHandle>, server: SyncServer): Promise<string> {
  const handle = await serve(server);
  await handle.close();
  return handle.url;
}

