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
 * Which tombstones to purge: those older than the newest `keepVersions` versions of a scope, or those
 * written more than `retainMs` ago. Optionally in one scope only.
 */
export type PurgeOptions = ({ keepVersions: number } | { retainMs: number }) & { scope?: string };

/**
 * Purge, in every scope (or one), the tombstones `options` selects. Safe to run while the server
 * serves, and from several instances at once: each scope is purged in one transaction under its lock.
 */
export async function purgeTombstones(db: Kysely<ServerDatabase>, options: PurgeOptions): Promise<PurgeResult[]> {
  let query = db.selectFrom('scopes').select(['scope']);
  if (options.scope !== undefined) query = query.where('scope', '=', options.scope);
  const scopes = await query.execute();
  const deletedBefore = 'retainMs' in options ? Date.now() - options.retainMs : undefined;
  const results: PurgeResult[] = [];
  for (const { scope } of scopes) {
    results.push(
      await db.transaction().execute(async (trx) => {
        // Lock the scope row (as writers do) so the horizon and the deletions agree with them.
        const row = await trx.updateTable('scopes').set({ version: sql`version` }).where('scope', '=', scope).returning(['version', 'purged_through']).executeTakeFirstOrThrow();
        const target = 'keepVersions' in options ? toInt(row.version) - options.keepVersions : await newestTombstoneBefore(trx, scope, deletedBefore ?? 0);
        const horizon = Math.max(toInt(row.purged_through), target);
        const removed = await trx.deleteFrom('records').where('scope', '=', scope).where('deleted', '=', 1).where('version', '<=', horizon).executeTakeFirst();
        await trx.updateTable('scopes').set({ purged_through: horizon }).where('scope', '=', scope).execute();
        return { scope, purgedThrough: horizon, tombstonesRemoved: Number(removed.numDeletedRows) };
      }),
    );
  }
  return results;
}

/**
 * Version of the scope's newest tombstone written before `deletedBefore` (0 if none). Versions grow
 * with time under the scope lock, so every tombstone at or below it is at least that old (give or
 * take clock skew between instances, which only moves a purge a little earlier or later).
 */
async function newestTombstoneBefore(db: Kysely<ServerDatabase>, scope: string, deletedBefore: number): Promise<number> {
  const row = await db
    .selectFrom('records')
    .select((eb) => eb.fn.max('version').as('version'))
    .where('scope', '=', scope)
    .where('deleted', '=', 1)
    .where('deleted_at', '<=', deletedBefore)
    .executeTakeFirst();
  return toInt(row?.version);
}

/** Refuse a delta pull from below the purge horizon (cursor 0 is a full pull and needs no tombstones). */
export function assertCursorAnswerable(cursor: number, purgedThrough: number): void {
  if (cursor === 0 || cursor >= purgedThrough) return;
  throw new HttpError(409, 'reset-required', `cursor: ${cursor} is older than this scope's tombstone horizon ${purgedThrough}; deletions before it are no longer known. Re-sync from cursor 0, keeping pending mutations.`, {
    details: { purgedThrough },
  });
}
