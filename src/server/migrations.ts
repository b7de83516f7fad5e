/**
 * In-code schema migrations, run by kysely's Migrator on `ready()`. Append new migrations with a
 * later name; never edit one that has shipped. Everything here must stay portable SQL.
 */
import { Migrator } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { ServerDatabase } from './schema.js';
import { backfillDigests } from './digest-storage.js';
import { conflictsMigration } from './conflicts/migration.js';
import { deadLettersMigration } from './dead-letters/migration.js';
import { installIdsMigration } from './install-ids.js';
import { effectsMigration } from './effects/migration.js';
import { webhooksMigration } from './webhooks/migration.js';
import { incomingWebhooksMigration } from './incoming-webhooks/migration.js';
import { recordChangeWebhooksMigration } from './webhooks/migration-0013.js';

const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('scopes')
        .addColumn('scope', 'varchar(256)', (c) => c.primaryKey())
        .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('records')
        .addColumn('scope', 'varchar(256)', (c) => c.notNull())
        .addColumn('collection', 'varchar(64)', (c) => c.notNull())
        .addColumn('key', 'varchar(256)', (c) => c.notNull())
        .addColumn('value', 'text')
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('records_pk', ['scope', 'collection', 'key'])
        .execute();
      await db.schema.createIndex('records_scope_version').on('records').columns(['scope', 'version']).execute();
      await db.schema
        .createTable('clients')
        .addColumn('client_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('scope', 'varchar(256)', (c) => c.notNull())
        .addColumn('last_mutation_id', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('mutation_outcomes')
        .addColumn('client_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('mutation_id', 'bigint', (c) => c.notNull())
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('mutation_outcomes_pk', ['client_id', 'mutation_id'])
        .execute();
      await db.schema
        .createTable('counters')
        .addColumn('scope', 'varchar(256)', (c) => c.notNull())
        .addColumn('name', 'varchar(128)', (c) => c.notNull())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('counters_pk', ['scope', 'name'])
        .execute();
    },
  },
};

migrations['0002_digests'] = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('digests')
      .addColumn('scope', 'varchar(256)', (c) => c.notNull())
      .addColumn('collection', 'varchar(64)', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addColumn('lane_a', 'bigint', (c) => c.notNull())
      .addColumn('lane_b', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('digests_pk', ['scope', 'collection'])
      .execute();
    await backfillDigests(db as unknown as Kysely<ServerDatabase>);
  },
};

// Record clocks (last writer, HLC stamps) and the conflict audit trail.
migrations['0003_conflicts'] = conflictsMigration;

migrations['0004_tombstone_purge'] = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('scopes').addColumn('purged_through', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  },
};

// Tombstones learn when they were written, so a purge can keep them for a time rather than a count.
migrations['0005_tombstone_times'] = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('records').addColumn('deleted_at', 'bigint').execute();
    // Existing tombstones count as deleted now: a time-based retention starts from the upgrade.
    await (db as unknown as Kysely<ServerDatabase>).updateTable('records').set({ deleted_at: Date.now() }).where('deleted', '=', 1).execute();
  },
};

// Mutations given up after repeated handler failures, and the attempt count on the client row.
migrations['0006_dead_letters'] = deadLettersMigration;

// Who produced each record's value, so a pull can send a client an echo marker instead of its own write.
migrations['0007_record_origin'] = {
  async up(db: Kysely<unknown>) {
    // One column per statement: SQLite's ALTER TABLE adds one at a time. Existing rows stay null (no origin).
    await db.schema.alterTable('records').addColumn('origin_client', 'varchar(64)').execute();
    await db.schema.alterTable('records').addColumn('origin_mutation', 'bigint').execute();
    await db.schema.alterTable('records').addColumn('origin_first', 'bigint').execute();
    await db.schema.alterTable('records').addColumn('origin_base', 'bigint').execute();
  },
};

// Digest format 2 covers values: every stored digest is recomputed, and rows learn to keep their own
// contribution (filled as they are next written; until then it is computed from the value).
migrations['0008_value_digest'] = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('records').addColumn('digest_hash', 'varchar(16)').execute();
    await backfillDigests(db as unknown as Kysely<ServerDatabase>);
  },
};

// Per scope and install id, the current client and the one whose store was lost (install-ids.ts).
migrations['0009_install_ids'] = installIdsMigration;
// The transactional outbox of server-side effects and its dead letters.
migrations['0010_effects'] = effectsMigration;
// Outgoing webhook subscribers; their deliveries are effects.
migrations['0011_webhooks'] = webhooksMigration;
// Seen webhook-ids of incoming webhooks, recorded with the write they caused.
migrations['0012_incoming_webhooks'] = incomingWebhooksMigration;
// Record-change webhook subscriptions (collections, operations) and the index the effect pruner uses.
migrations['0013_record_change_webhooks'] = recordChangeWebhooksMigration;

const provider: MigrationProvider = { getMigrations: async () => migrations };

// Unordered: migrations are independent (each adds its own tables/columns), and numbers are reserved
// per feature, so a database may have run a later one before an earlier one ships (or is re-run).
function migrator(db: Kysely<ServerDatabase>): Migrator {
  return new Migrator({ db, provider, allowUnorderedMigrations: true, migrationTableName: 'syncline_migrations', migrationLockTableName: 'syncline_migrations_lock' });
}

/** Bring the schema up to date; safe to call on every start and from several processes. */
export async function migrateToLatest(db: Kysely<ServerDatabase>): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error !== undefined) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Migrations this server knows that the database has not run (readiness); queries the database. */
export async function pendingMigrations(db: Kysely<ServerDatabase>): Promise<string[]> {
  return (await migrator(db).getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}
