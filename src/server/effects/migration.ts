/**
 * Migration 0010_effects: the transactional outbox of server-side effects and its dead letters.
 * `seq` orders effects (per key, delivery follows it), so it is allocated by the database: an
 * autoincrement rowid on SQLite, a bigserial on PostgreSQL — the one column that is not portable SQL.
 */
import { PostgresAdapter, type Kysely, type Migration } from 'kysely';

export const effectsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .createTable('effects')
      .addColumn('seq', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('id', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      .addColumn('key', 'varchar(512)', (c) => c.notNull())
      .addColumn('scope', 'varchar(256)', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      // 'pending' until delivered; delivered rows stay for inspection.
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      // A worker that claimed the effect owns it until then; a killed worker's claim simply expires.
      .addColumn('lease_until', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('delivered_at', 'bigint')
      .addColumn('result', 'text')
      .execute();
    // "Is there an older pending effect with this key?" — asked for every candidate of a claim.
    await db.schema.createIndex('effects_key_pending').on('effects').columns(['key', 'status', 'seq']).execute();
    await db.schema.createIndex('effects_status_due').on('effects').columns(['status', 'next_attempt_at']).execute();
    await db.schema
      .createTable('effect_dead_letters')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      .addColumn('key', 'varchar(512)', (c) => c.notNull())
      .addColumn('scope', 'varchar(256)', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('error', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('dead_lettered_at', 'bigint', (c) => c.notNull())
      // 'dead' | 'replayed' (put back in the outbox; its delivery is then the effect's own row).
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('replayed_at', 'bigint')
      .execute();
    await db.schema.createIndex('effect_dead_letters_status_time').on('effect_dead_letters').columns(['status', 'dead_lettered_at']).execute();
  },
};
