/** Schema for conflict handling; appended to the server migrations as '0003_conflicts'. */
import type { Kysely, Migration } from 'kysely';

export const conflictsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('record_clocks')
      .addColumn('scope', 'varchar(256)', (c) => c.notNull())
      .addColumn('collection', 'varchar(64)', (c) => c.notNull())
      .addColumn('key', 'varchar(256)', (c) => c.notNull())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addColumn('writer', 'varchar(64)', (c) => c.notNull())
      .addColumn('hlc', 'varchar(96)', (c) => c.notNull())
      .addColumn('fields', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('record_clocks_pk', ['scope', 'collection', 'key'])
      .execute();
    await db.schema
      .createTable('conflicts')
      .addColumn('scope', 'varchar(256)', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('client_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('mutation_id', 'bigint', (c) => c.notNull())
      .addColumn('collection', 'varchar(64)', (c) => c.notNull())
      .addColumn('key', 'varchar(256)', (c) => c.notNull())
      .addColumn('op', 'varchar(16)', (c) => c.notNull())
      .addColumn('strategy', 'varchar(32)', (c) => c.notNull())
      .addColumn('resolution', 'varchar(16)', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('resolved_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('conflicts_pk', ['scope', 'seq'])
      .execute();
  },
};
