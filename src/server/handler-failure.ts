/**
 * Telling a handler's own network failure from the database going away. Both can surface as
 * ECONNREFUSED, ETIMEDOUT, ECONNRESET…: a handler that calls a fiscal service which is down throws
 * the same codes as a database connection that broke. Taken for the database, such a failure is not
 * counted as an attempt and is answered 503 — so a handler whose service is gone for good would be
 * retried forever and wedge its client's queue, which is what dead letters exist to prevent.
 *
 * The test: the error carries a network code but no database code (no SQLSTATE, no SQLITE_*), and
 * the transaction the handler ran in still answers a query. A database connection that broke under
 * the handler cannot answer; one that answers was not what failed.
 */
import { sql, type Kysely } from 'kysely';
import type { RawTransaction } from './sqlite-raw.js';
import type { ServerDatabase } from './schema.js';
import { TRANSIENT_NODE_CODES } from './server-init.js';


/** A handler's failure that looked like a lost database but was not: counted, dead-lettered, a 500. */
export class HandlerNetworkFailure extends Error {
  override name = 'HandlerNetworkFailure' as const;
  constructor(readonly original: unknown) {
    // The original is kept as a property, not as `cause`: anything that walks causes looking for a
    // lost database must not find one here.
    super(original instanceof Error ? original.message : String(original));
  }
}

/**
 * `error` (which looked transient) wrapped as the handler's own failure when the database is fine,
 * else undefined. Call after the mutation's savepoint was rolled back, on the same transaction.
 */
export async function asHandlerNetworkFailure(error: unknown, trx: Kysely<ServerDatabase>, raw: RawTransaction | undefined): Promise<HandlerNetworkFailure | undefined> {
  if (!networkCodeOnly(error)) return undefined;
  try {
    if (raw !== undefined) raw.get('SELECT 1 AS one');
    else await sql`SELECT 1`.execute(trx);
  } catch {
    return undefined;
  }
  return new HandlerNetworkFailure(error);
}

/** A Node network code somewhere in the error (or its causes), and no database error code anywhere. */
function networkCodeOnly(error: unknown): boolean {
  let network = false;
  for (const code of codesIn(error, 0)) {
    if (TRANSIENT_NODE_CODES.has(code)) network = true;
    else if (/^SQLITE_|^[0-9A-Z]{5}$/.test(code)) return false;
  }
  return network;
}

function codesIn(error: unknown, depth: number): string[] {
  if (typeof error !== 'object' || error === null || depth > 5) return [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  const own = typeof code === 'string' ? [code] : [];
  const nested = Array.isArray(errors) ? errors.flatMap((e) => codesIn(e, depth + 1)) : [];
  return [...own, ...nested, ...codesIn(cause, depth + 1)];
}
