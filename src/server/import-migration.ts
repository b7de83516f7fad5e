/**
 * Migration 0009_imports: one checkpoint row per bulk import. `position` (input items handled) is
 * written in the same transaction as each batch of records, so after a crash the row says exactly
 * which records are in the database: a rerun skips those and writes the rest, once.
 */
import type { Kysely, Migration } from 'kysely';

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

export const importsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('imports')
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
  },
};
