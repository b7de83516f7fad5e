/**
 * Migration 0013_record_change_webhooks: subscriptions may ask for every committed change of some
 * collections (`record.changed`), and delivered effects are pruned by age, found through an index.
 */
import type { Kysely, Migration } from 'kysely';

export const recordChangeWebhooksMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('webhook_subscriptions').addColumn('collections', 'text').execute();
    await db.schema.alterTable('webhook_subscriptions').addColumn('operations', 'text').execute();
    // The pruner deletes delivered effects oldest first, in batches.
    await db.schema.createIndex('effects_delivered_at').on('effects').columns(['status', 'delivered_at']).execute();
  },
};
