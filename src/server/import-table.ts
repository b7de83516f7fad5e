/**
 * The `imports` table: one checkpoint row per bulk import. `position` (input handled) is written in
 * the same transaction as each batch of records, so after a crash the row says exactly which records
 * are in the database: a rerun skips those and writes the rest, once.
 *
 * Created by the import itself (`CREATE TABLE IF NOT EXISTS`) rather than by a numbered migration: only
 * the import reads or writes it, a server that never imports never needs it, and it does not take a
 * place in the migration order that other work appends to (a migration removed and re-run by hand —
 * test/server/digest.test.ts does so with 0008 — must stay the last one run). A later change to this
 * table's shape belongs in a numbered migration.
 */
import type { Kysely } from 'kysely';

export interface ImportsTable {
  scope: string;
  import_id: string;
  /** Input items handled (written or skipped as invalid), all committed. */
  position: number;
  /** Records written. */
  records: number;
  /** Invalid items skipped. */
  invalid: number;
  started_at: number;
  updated_at: number;
  /** Set when a run reached the end of its input. */
  finished_at: number | null;
}

/**
 * Create the table when it is missing. On PostgreSQL two processes creating it at the same instant can
 * make one fail on the catalog's unique index even with IF NOT EXISTS; the second attempt then finds it.
 */
export async function ensureImportsTable(db: Kysely<unknown>): Promise<void> {
  const create = () =>
    db.schema
      .createTable('imports')
      .ifNotExists()
      .addColumn('scope', 'varchar(256)', (c) => c.notNull())
      .addColumn('import_id', 'varchar(256)', (c) => c.notNull())
      .addColumn('position', 'bigint', (c) => c.notNull())
      .addColumn('records', 'bigint', (c) => c.notNull())
      .addColumn('invalid', 'bigint', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .addPrimaryKeyConstraint('imports_pk', ['scope', 'import_id'])
      .execute();
  await create().catch(create);
}
