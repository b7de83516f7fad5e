/**
 * Migration 0012_incoming_webhooks: the `webhook-id`s each incoming-webhook source has delivered. A
 * row is written in the same transaction as the write the callback caused, so after a crash either
 * both are there (a redelivery is refused as a replay) or neither (the redelivery applies once).
 */
import type { Kysely, Migration } from 'kysely';

export const incomingWebhooksMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('incoming_webhooks')
      .addColumn('source', 'varchar(64)', (c) => c.notNull())
      .addColumn('webhook_id', 'varchar(256)', (c) => c.notNull())
      .addColumn('scope', 'varchar(256)')
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      // 'applied' | 'rejected' | 'ignored'
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('version', 'bigint')
      .addPrimaryKeyConstraint('incoming_webhooks_pk', ['source', 'webhook_id'])
      .execute();
    await db.schema.createIndex('incoming_webhooks_received').on('incoming_webhooks').columns(['received_at']).execute();
  },
};

/** Row of `incoming_webhooks`. */
export interface IncomingWebhooksTable {
  source: string;
  webhook_id: string;
  scope: string | null;
  received_at: number;
  status: string;
  version: number | null;
}
