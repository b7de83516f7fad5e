/** The webhook subscriptions table (migration 0011_webhooks). */
export interface WebhookSubscriptionsTable {
  id: string;
  url: string;
  events: string;
  secrets: string;
  created_at: number;
}
