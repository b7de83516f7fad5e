/** The webhook subscriptions table (migration 0011_webhooks). */
export interface WebhookSubscriptionsTable {
  id: string;
  url: string;
  events: string;
  secrets: string;
  created_at: number;
  /** JSON array of collections whose record changes are delivered; null: none (migration 0013). */
  collections: string | null;
  /** JSON array of ops (put/patch/delete/increment); null: all. */
  operations: string | null;
}
