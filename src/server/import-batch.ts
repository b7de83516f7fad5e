/**
 * One batch of an import = one transaction: take the scope lock, check that the checkpoint is where
 * this run left it, write the records (each with its own next scope version), the digest lanes, the
 * scope version and the checkpoint, commit. The checkpoint commits with the records or not at all,
 * so after a crash the row says exactly which input the database holds.
 */
import type { Kysely } from 'kysely';
import type { ServerDatabase } from './schema.js';
import { bindRawSqlite } from './sqlite-raw.js';
import type { BatchCommitted, BatchPlan } from './import-plan.js';
import { writeBatchRaw } from './import-sqlite.js';
import { writeBatchPortable } from './import-portable.js';

/** Run one batch in its own transaction (raw better-sqlite3 statements on a database the server opened). */
export async function commitBatch(db: Kysely<ServerDatabase>, plan: BatchPlan): Promise<BatchCommitted> {
  const trx = await db.startTransaction().execute();
  let committing = false;
  try {
    // Binding only hands over the better-sqlite3 handle: the batch runs its own prepared statements on
    // it, inside this transaction (which holds kysely's one SQLite connection until it ends).
    const bound = bindRawSqlite(trx, db);
    const committed = bound !== undefined ? writeBatchRaw(bound.raw.sqlite, plan) : await writeBatchPortable(trx, plan);
    bound?.flush();
    committing = true;
    await trx.commit().execute();
    return committed;
  } catch (error) {
    if (!committing) await trx.rollback().execute().catch(() => {});
    throw error;
  }
}
