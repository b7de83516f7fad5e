/** Migration 0011_webhooks: webhook subscribers. Their deliveries are effects (0010_effects) named `syncline.webhook`. */
import type { Kysely, Migration } from 'kysely';

export const webhooksMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('webhook_subscriptions')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('url', 'text', (c) => c.notNull())
      // JSON array of event types ('*' = all).
      .addColumn('events', 'text', (c) => c.notNull())
      // JSON array of secrets, newest first: each delivery is signed with every one (rotation without downtime).
      .addColumn('secrets', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
