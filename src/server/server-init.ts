/**
 * Server initialisation (open the database, migrate, start the fan-out) that does not stick on a
 * passing failure.
 *
 * Transient — the database cannot be reached *yet*: PostgreSQL refusing connections or still starting,
 * a network or DNS blip, too many connections, a SQLite file locked by another process's migration.
 * Requests get 503 `database-unavailable` with Retry-After, and a later request tries again.
 * Permanent — anything else: bad credentials, an unknown database, a SQLite path that cannot be a
 * file (a missing directory is created, so it is not an error), a failing migration. Retrying would
 * only repeat it, so it sticks: `ready()` rejects, every request gets 500, and the log says to fix the
 * configuration and restart.
 *
 * Retries are driven by requests, not a background timer: an idle server needs no database, and
 * close() has nothing to cancel. Concurrent requests share one attempt, and after a failure no new
 * attempt starts before a capped exponential backoff has passed (requests in between are answered
 * 503 at once), so a thousand clients retrying cannot turn into a connection storm on a database
 * that is coming back up.
 */
import { isSynclineError, SynclineError } from '../core/errors.js';
import type { Logger } from '../core/seams.js';
import { HttpError } from './http-errors.js';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5000;

/** Node socket/DNS errors that mean "not reachable now". */
export const TRANSIENT_NODE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'EPIPE']);
/** PostgreSQL SQLSTATEs: class 08 connection exception, 53 insufficient resources, 57P01-57P03 shutdown / starting up. */
const TRANSIENT_SQLSTATE = /^(08...|53...|57P0[123])$/;
/** better-sqlite3 codes: another connection holds the lock. */
const TRANSIENT_SQLITE = /^SQLITE_(BUSY|LOCKED)/;

export interface ServerInit {
  /** Resolves once initialised; shares an attempt in progress; see the file comment for failures. */
  ready(): Promise<void>;
  /** No attempt after this; waits for the one in progress. */
  close(): Promise<void>;
}

export function createServerInit(initialise: () => Promise<void>, logger: Logger): ServerInit {
  let done = false;
  let closed = false;
  let attempt: Promise<void> | undefined;
  let permanent: SynclineError | undefined;
  let failures = 0;
  let retryAt = 0;
  let lastCause: unknown;

  const run = async (): Promise<void> => {
    try {
      await initialise();
      if (failures > 0) logger.info('server: database reachable again; serving', { failedAttempts: failures });
      done = true;
    } catch (error) {
      if (!isTransientDatabaseError(error)) {
        permanent = new SynclineError('internal', `The server could not set up its database: ${describe(error)}. Fix the database configuration and restart the server.`, { cause: error });
        logger.error('server: database setup failed; fix the configuration and restart', { error: describe(error) });
        throw permanent;
      }
      failures += 1;
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1));
      retryAt = Date.now() + delay;
      lastCause = error;
      logger.warn('server: database unreachable; answering 503 until it is back', { error: describe(error), failedAttempts: failures, nextAttemptInMs: delay });
      throw unavailable(error, delay);
    }
  };

  return {
    ready() {
      if (done) return Promise.resolve();
      if (permanent !== undefined) return Promise.reject(permanent);
      if (closed) return Promise.reject(new SynclineError('unavailable', 'The server is closed; create a new server to serve again.'));
      if (attempt !== undefined) return attempt;
      const wait = retryAt - Date.now();
      if (wait > 0) return Promise.reject(unavailable(lastCause, wait));
      attempt = run().finally(() => {
        attempt = undefined;
      });
      return attempt;
    },
    async close() {
      closed = true;
      await attempt?.catch(() => {});
    },
  };
}

function unavailable(cause: unknown, retryInMs: number): SynclineError {
  return new SynclineError('unavailable', `The server cannot reach its database (${describe(cause)}); this is a server-side problem. Retry in ${Math.ceil(retryInMs / 1000)} s.`, {
    cause,
    retryable: true,
    details: { retryInMs },
  });
}

/** The HTTP answer for a request that found the server not initialised. */
export function initFailureToHttp(error: unknown): unknown {
  if (!isSynclineError(error) || error.code !== 'unavailable' || !error.retryable) return error;
  const retryInMs = typeof error.details?.retryInMs === 'number' ? error.details.retryInMs : FIRST_RETRY_MS;
  const seconds = Math.max(1, Math.ceil(retryInMs / 1000));
  return new HttpError(503, 'database-unavailable', `The server cannot reach its database right now; this is a server-side problem, not caused by the request. Retry in ${seconds} s.`, {
    retryable: true,
    headers: { 'retry-after': String(seconds) },
    cause: error,
  });
}

/**
 * A request that failed because the database went away under it (a restart, a failover, the network):
 * 503 `database-unavailable` with Retry-After, as while it cannot be reached at all — never a 500.
 * Nothing it did is lost: its transaction rolled back (or committed, and the client's resend is
 * answered from the stored outcome).
 */
export function lostDatabaseToHttp(error: unknown): HttpError | undefined {
  if (error instanceof HttpError && error.status !== 500) return undefined;
  const cause = error instanceof HttpError ? error.cause : error;
  if (!isTransientDatabaseError(cause)) return undefined;
  return new HttpError(503, 'database-unavailable', 'The server lost its database connection while handling the request; this is a server-side problem, not caused by the request. Retry in 1 s.', {
    retryable: true,
    headers: { 'retry-after': '1' },
    cause,
  });
}

/** Whether a failure (or anything in its cause chain) means "the database is not reachable now". */
export function isTransientDatabaseError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { code, message, cause, errors } = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && (TRANSIENT_NODE_CODES.has(code) || TRANSIENT_SQLSTATE.test(code) || TRANSIENT_SQLITE.test(code))) return true;
  // pg reports a connection closed during the handshake or mid-query (server shutting down or
  // restarting) without a code, and a later use of that client as "not queryable".
  if (typeof message === 'string' && /^Connection terminated|is not queryable/.test(message)) return true;
  // Node's happy-eyeballs connect reports one AggregateError for all addresses it tried.
  if (Array.isArray(errors) && errors.some((e) => isTransientDatabaseError(e, depth + 1))) return true;
  return isTransientDatabaseError(cause, depth + 1);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message || 'no message'}`;
  }
  return String(error);
}
