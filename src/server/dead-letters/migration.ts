/**
 * Migration 0006_dead_letters: the dead-letter table, and on `clients` the mutation currently failing
 * (id, attempts so far, first failure time). The attempts live on the client row because push reads
 * that row anyway at the start of every slice, so counting costs nothing on the happy path.
 */
import type { Kysely, Migration } from 'kysely';

export const deadLettersMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('dead_letters')
      .addColumn('client_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('mutation_id', 'bigint', (c) => c.notNull())
      .addColumn('scope', 'varchar(256)', (c) => c.notNull())
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      .addColumn('args', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('error', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('first_failed_at', 'bigint', (c) => c.notNull())
      .addColumn('dead_lettered_at', 'bigint', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('replayed_at', 'bigint')
      .addColumn('replay_version', 'bigint')
      .addColumn('replay_error', 'text')
      .addColumn('replay_error_at', 'bigint')
      .addPrimaryKeyConstraint('dead_letters_pk', ['client_id', 'mutation_id'])
      .execute();
    await db.schema.createIndex('dead_letters_status_time').on('dead_letters').columns(['status', 'dead_lettered_at']).execute();
    await db.schema.alterTable('clients').addColumn('failing_mutation_id', 'bigint').execute();
    await db.schema.alterTable('clients').addColumn('failing_attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('clients').addColumn('failing_since', 'bigint').execute();
  },
};
