/**
 * POST /v1/pull. One read transaction (a snapshot) gives the page of changes, the cursor and the
 * client's lastMutationId together, so they always describe the same state.
 */
import type { Kysely } from 'kysely';
import type { JsonObject } from '../protocol/json.js';
import type { Change, PullRequest, PullResponse } from '../protocol/wire.js';
import { PROTOCOL_VERSION } from '../protocol/wire.js';
import { HttpError } from './http-errors.js';
import { toInt } from './schema.js';
import type { RecordRow, ServerDatabase } from './schema.js';
import { lastMutationIdAtOrBelow, readChangesSince, readClient, readScopeState } from './storage.js';
import { readDigests } from './digest-storage.js';
import { DIGEST_FORMAT } from '../protocol/digest.js';
import { assertCursorAnswerable } from './tombstones.js';

/**
 * A page stops growing once its records' JSON passes this many characters (at least one record is
 * always sent), so a page of large records stays a size any client can take in one response, whatever
 * `limit` it asked for: pages are bounded by bytes as well as by count.
 */
export const DEFAULT_PULL_PAGE_CHARS = 4 * 1024 * 1024;

export async function handlePull(
  db: Kysely<ServerDatabase>,
  scope: string,
  request: PullRequest,
  maxLimit: number,
  maxPageChars = DEFAULT_PULL_PAGE_CHARS,
): Promise<PullResponse> {
  const limit = Math.min(request.limit, maxLimit);
  // SQLite ignores the isolation level (its transactions are snapshots); PostgreSQL needs it.
  return db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
    const client = await readClient(trx, request.clientId);
    if (client !== undefined && client.scope !== scope) {
      throw new HttpError(403, 'forbidden', `Client ${request.clientId} belongs to another scope; use a new client id for this scope.`);
    }
    const { version: scopeVersion, purgedThrough } = await readScopeState(trx, scope);
    if (request.cursor > scopeVersion) {
      throw new HttpError(400, 'invalid-cursor', `cursor: ${request.cursor} is ahead of this scope's latest version ${scopeVersion}; the client's state belongs to another server or database. Re-sync from cursor 0.`, {
        details: { scopeVersion },
      });
    }
    assertCursorAnswerable(request.cursor, purgedThrough);
    const rows = await readChangesSince(trx, scope, request.cursor, limit + 1, request.collection);
    const page = withinBudget(rows.slice(0, limit), maxPageChars);
    const hasMore = rows.length > page.length;
    const cursor = page.length === 0 ? request.cursor : toInt(page[page.length - 1]?.version);
    // Only mutations whose whole effect is at or below the cursor: the client holds their effects.
    const lastMutationId = client === undefined ? 0 : await lastMutationIdAtOrBelow(trx, request.clientId, cursor);
    const response: PullResponse = { v: PROTOCOL_VERSION, cursor, hasMore, lastMutationId, changes: page.map(toChange) };
    // The last page describes the scope (or the one collection asked for) at the head: attach digests.
    if (!hasMore) {
      const digests = await readDigests(trx, scope);
      const only = request.collection;
      response.digests = only === undefined ? digests : only in digests ? { [only]: digests[only] as NonNullable<(typeof digests)[string]> } : {};
      response.digestFormat = DIGEST_FORMAT;
    }
    return response;
  });
}

/** The longest prefix of `rows` whose values fit in `maxChars` (never empty when rows are not). */
function withinBudget(rows: RecordRow[], maxChars: number): RecordRow[] {
  let used = 0;
  for (let i = 0; i < rows.length; i += 1) {
    // Key and collection count too: a page of tombstones with long keys is not free either.
    used += (rows[i]?.value?.length ?? 0) + (rows[i]?.key.length ?? 0) + 64;
    if (used > maxChars && i > 0) return rows.slice(0, i);
  }
  return rows;
}

function toChange(row: RecordRow): Change {
  const base = { collection: row.collection, key: row.key, version: toInt(row.version) };
  if (row.deleted !== 0 || row.value === null) return { ...base, deleted: true };
  return { ...base, value: JSON.parse(row.value) as JsonObject };
}
