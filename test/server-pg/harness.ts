/** Shared bits of the PostgreSQL-only suites: bearer token = scope, and servers on a given database URL. */
import { createSyncServer } from '../../src/server.js';
import type { Authenticate, SyncServerOptions } from '../../src/server.js';
import { tempDir, wrapServer } from '../server/helpers.js';
import type { TestServer } from '../server/helpers.js';

/** Any bearer token is accepted and names its own scope, so each property run can use a fresh scope. */
export const scopeFromToken: Authenticate = (request) => {
  const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
  return token === undefined ? null : { scope: token };
};

/** A server instance on an existing database (several instances may share it). */
export function serverOn(url: string, options: Partial<SyncServerOptions> = {}): TestServer {
  const server = createSyncServer({ database: { postgres: url }, auth: scopeFromToken, ...options });
  return wrapServer(server, tempDir(), url);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolve once `condition()` holds, polling; reject with `what` after `timeoutMs` (a liveness bound, not a speed check). */
export async function eventually(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for: ${what}`);
    await sleep(10);
  }
}
