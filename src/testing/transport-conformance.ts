/**
 * The conformance suite every `Transport` must pass (the contract is in src/transport/transport.ts).
 * It starts a real syncline server — SQLite in memory, `products` writable — over HTTP on 127.0.0.1,
 * and asks the factory for transports to it. Node-only (the server listens on a socket); the transport
 * under test may be platform-neutral. Run it from a Vitest file:
 *
 * @example
 * runTransportConformance('http', {
 *   open: ({ url, token }) => createHttpTransport({ url, token }),
 * });
 * // the same server in process, no sockets:
 * runTransportConformance('http (in process)', {
 *   open: ({ url, token, fetch }) => createHttpTransport({ url, token, fetch }),
 * });
 */
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import type { Transport } from '../transport/transport.js';
import { declareErrorTests } from './transport-conformance-errors.js';
import { declareLifecycleTests } from './transport-conformance-lifecycle.js';
import { declareResponseTests } from './transport-conformance-responses.js';
import { startConformanceServer, type ConformanceServer } from './transport-conformance-server.js';

/** Where the factory's transport should send its requests. */
export interface TransportTarget {
  /** Base URL of the sync server (real HTTP on 127.0.0.1; endpoints under `<url>/v1/`). */
  url: string;
  /**
   * Reaches the same server as `url`, for transports that take a `fetch` (it serves the live server
   * in process, without sockets; for the "server down" target it is the real global fetch).
   */
  fetch: (request: Request) => Promise<Response>;
  /** The bearer token to send. The suite passes a wrong one to check 401. */
  token: string;
}

export interface TransportFactory {
  /** A new transport to `target`. The suite closes every transport it opened after each test. */
  open(target: TransportTarget): Transport | Promise<Transport>;
  /** Called after each test, once its transports are closed. */
  cleanup?(): Promise<void>;
}

/** Which of the suite's targets a test opens a transport to. */
export type TargetKind = 'live' | 'wrong-token' | 'down';

/** What the declaring functions share; transports opened through it are closed after each test. */
export interface TransportConformanceContext {
  readonly factory: TransportFactory;
  /** The suite's server (started before the first test). */
  server(): ConformanceServer;
  open(target?: TargetKind): Promise<Transport>;
  /** A client id no earlier test used, so every test starts with an empty outbox on the server. */
  newClientId(): string;
}

export function runTransportConformance(name: string, factory: TransportFactory): void {
  describe(`Transport conformance: ${name}`, () => {
    let server: ConformanceServer | undefined;
    const opened: Transport[] = [];
    let clients = 0;
    const context: TransportConformanceContext = {
      factory,
      server: () => {
        if (server === undefined) throw new Error('The conformance server has not started (beforeAll failed?).');
        return server;
      },
      async open(kind = 'live') {
        const transport = await factory.open(targetFor(context.server(), kind));
        opened.push(transport);
        return transport;
      },
      newClientId: () => `conformance-client-${String(++clients).padStart(4, '0')}`,
    };

    beforeAll(async () => {
      server = await startConformanceServer();
    });
    afterEach(async () => {
      server?.reset();
      await Promise.allSettled(opened.splice(0).map((transport) => transport.close?.()));
      await factory.cleanup?.();
    });
    afterAll(async () => {
      await server?.close();
    });

    declareResponseTests(context);
    declareErrorTests(context);
    declareLifecycleTests(context);
  });
}

function targetFor(server: ConformanceServer, kind: TargetKind): TransportTarget {
  const fetch = (request: Request): Promise<Response> => server.fetch(request);
  switch (kind) {
    case 'live':
      return { url: server.url, fetch, token: server.token };
    case 'wrong-token':
      return { url: server.url, fetch, token: `${server.token}-wrong` };
    case 'down':
      return { url: server.downUrl, fetch: (request) => globalThis.fetch(request), token: server.token };
  }
}
