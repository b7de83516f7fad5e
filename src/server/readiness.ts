/**
 * GET /v1/health/ready: whether this instance can serve sync traffic now — its database is reachable
 * (a query answers) and every migration it knows has run. 200 when so, 503 with the reason otherwise,
 * so a load balancer or Kubernetes stops routing to it. `GET /v1/health` stays the plain liveness answer.
 */
import type { Kysely } from 'kysely';
import { isSynclineError } from '../core/errors.js';
import { PROTOCOL_VERSION } from '../protocol/wire.js';
import { errorResponse, HttpError, jsonResponse } from './http-errors.js';
import { pendingMigrations } from './migrations.js';
import type { ServerDatabase } from './schema.js';

export interface ReadinessDeps {
  /** The server's initialisation (open, migrate, start the fan-out); rejects while it cannot. */
  ready(): Promise<void>;
  database(): Kysely<ServerDatabase>;
  /** Told when the probe query fails (a database error), not when initialisation does (counted there). */
  onProbeFailed(): void;
}

export async function checkReadiness(deps: ReadinessDeps): Promise<Response> {
  try {
    await deps.ready();
  } catch (error) {
    const retryable = isSynclineError(error) && error.retryable;
    return notReady(retryable ? 'The database cannot be reached yet; the server retries on its own.' : 'The server could not set up its database; see its log, fix the configuration and restart.', retryable, { database: 'unavailable' });
  }
  let pending: string[];
  try {
    pending = await pendingMigrations(deps.database());
  } catch {
    deps.onProbeFailed();
    return notReady('The database stopped answering (a probe query failed).', true, { database: 'unreachable' });
  }
  if (pending.length > 0) return notReady(`The database misses migrations ${pending.join(', ')}; restart the server to run them.`, false, { database: 'ok', migrations: pending });
  return jsonResponse({ v: PROTOCOL_VERSION, status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
}

/** Answered, not thrown: a probe that fails every few seconds during an outage is not an error to log each time. */
function notReady(message: string, retryable: boolean, checks: Record<string, unknown>): Response {
  return errorResponse(new HttpError(503, 'not-ready', `Not ready: ${message}`, {
    retryable,
    details: { checks },
    ...(retryable ? { headers: { 'retry-after': '1' } } : {}),
  }));
}
