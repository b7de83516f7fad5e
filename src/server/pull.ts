/**
 * POST /v1/pull. One read transaction (a snapshot) gives the page of changes, the cursor and the
 * client's lastMutationId together, so they always describe the same state. A client that asks for
 * it gets its own verbatim writes back as echo markers, not values (src/server/pull-echoes.ts).
 */
import type { Kysely } from 'kysely';
import type { PullRequest, PullResponse } from '../protocol/wire.js';
import { PROTOCOL_VERSION } from '../protocol/wire.js';
import { HttpError } from './http-errors.js';
import { toInt } from './schema.js';
import type { RecordRow, ServerDatabase } from './schema.js';
import { lastMutationIdAtOrBelow, readChangesSince, readClient, readScopeState } from './storage.js';
import { readDigests } from './digest-storage.js';
import { DIGEST_FORMAT } from '../protocol/digest.js';
import { assertCursorAnswerable } from './tombstones.js';
import { isEcho, splitPage } from './pull-echoes.js';
import { prunedOutcomesThrough } from './pruned-outcomes.js';
import { readableRows, viewDigests, type PullView } from './rules-pull.js';

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
  view?: PullView,
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
    const ownFrom = request.elideOwnFrom;
    const { page, hasMore } = await readPage(trx, scope, request, limit, maxPageChars);
    const cursor = page.length === 0 ? request.cursor : toInt(page[page.length - 1]?.version);
    // Only mutations whose whole effect is at or below the cursor: the client holds their effects.
    // Pruned (settled) ids count as covered too, so the value never falls back (pruned-outcomes.ts).
    const lastMutationId = client === undefined ? 0 : Math.max(
      await lastMutationIdAtOrBelow(trx, request.clientId, cursor),
      await prunedOutcomesThrough(trx, request.clientId, client.lastMutationId),
    );
    // Read rules: what the caller may not read never leaves; the cursor still passes it (rules-pull.ts).
    const { changes, echoes } = splitPage(readableRows(page, view), request.clientId, ownFrom);
    const response: PullResponse = { v: PROTOCOL_VERSION, cursor, hasMore, lastMutationId, changes, ...(ownFrom === undefined ? {} : { echoes }) };
    // The last page describes the scope (or the one collection asked for) at the head: attach digests.
    if (!hasMore) {
      const digests = await readDigests(trx, scope);
      const only = request.collection;
      // Views after the choice: a repair of one collection judges the records of that one only.
      response.digests = await viewDigests(trx, scope, only === undefined ? digests : only in digests ? { [only]: digests[only] as NonNullable<(typeof digests)[string]> } : {}, view);
      response.digestFormat = DIGEST_FORMAT;
    }
    return response;
  });
}

/**
 * The page: the longest prefix of the changes after the cursor with at most `limit` records, within
 * `maxChars`. An echo costs next to nothing in bytes but counts toward `limit` like any record: the
 * client applies it in the same transaction (rebuild, confirm, drop the entry, rebase), and `limit`
 * is what it asked to take at once.
 */
async function readPage(
  trx: Kysely<ServerDatabase>,
  scope: string,
  request: PullRequest,
  limit: number,
  maxChars: number,
): Promise<{ page: RecordRow[]; hasMore: boolean }> {
  const rows = await readChangesSince(trx, scope, request.cursor, limit + 1, request.collection);
  let used = 0;
  for (let i = 0; i < Math.min(rows.length, limit); i += 1) {
    const row = rows[i] as RecordRow;
    // Key and collection count too: a page of tombstones with long keys is not free either.
    used += (isEcho(row, request.clientId, request.elideOwnFrom) ? 0 : (row.value?.length ?? 0)) + row.key.length + 64;
    if (used > maxChars && i > 0) return { page: rows.slice(0, i), hasMore: true };
  }
  return { page: rows.slice(0, limit), hasMore: rows.length > limit };
}
