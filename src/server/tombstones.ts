/**
 * Tombstone purging. Deleted records are kept as tombstones so that a client pulling from an older
 * cursor learns of the deletion; keeping them forever grows the table without bound. Purging the
 * tombstones at or below a version moves the scope's purge horizon there: a pull from a cursor below
 * the horizon can no longer be answered as a delta and gets 409 `reset-required` — the client then
 * re-syncs from cursor 0, keeping its pending mutations (a full pull needs no tombstones).
 */
import { sql, type Kysely } from 'kysely';
import { toInt, type ServerDatabase } from './schema.js';
import { HttpError } from './http-errors.js';

export interface PurgeResult {
  scope: string;
  purgedThrough: number;
  tombstonesRemoved: number;
}

/**
 * Purge, in every scope (or one), the tombstones older than the newest `keepVersions` versions.
 * Safe to run while the server serves: each scope is purged in one transaction under its lock.
 */
export async function purgeTombstones(db: Kysely<ServerDatabase>, options: { keepVersions: number; scope?: string }): Promise<PurgeResult[]> {
  let query = db.selectFrom('scopes').select(['scope']);
  if (options.scope !== undefined) query = query.where('scope', '=', options.scope);
  const scopes = await query.execute();
  const results: PurgeResult[] = [];
  for (const { scope } of scopes) {
    results.push(
      await db.transaction().execute(async (trx) => {
        // Lock the scope row (as writers do) so the horizon and the deletions agree with them.
        const row = await trx.updateTable('scopes').set({ version: sql`version` }).where('scope', '=', scope).returning(['version', 'purged_through']).executeTakeFirstOrThrow();
        const horizon = Math.max(toInt(row.purged_through), toInt(row.version) - options.keepVersions);
        const removed = await trx.deleteFrom('records').where('scope', '=', scope).where('deleted', '=', 1).where('version', '<=', horizon).executeTakeFirst();
        await trx.updateTable('scopes').set({ purged_through: horizon }).where('scope', '=', scope).execute();
        return { scope, purgedThrough: horizon, tombstonesRemoved: Number(removed.numDeletedRows) };
      }),
    );
  }
  return results;
}

/** Refuse a delta pull from below the purge horizon (cursor 0 is a full pull and needs no tombstones). */
export function assertCursorAnswerable(cursor: number, purgedThrough: number): void {
  if (cursor === 0 || cursor >= purgedThrough) return;
  throw new HttpError(409, 'reset-required', `cursor: ${cursor} is older than this scope's tombstone horizon ${purgedThrough}; deletions before it are no longer known. Re-sync from cursor 0, keeping pending mutations.`, {
    details: { purgedThrough },
  });
}
