/** Public shapes of outgoing webhooks. */
export interface WebhookSubscription {
  id: string;
  url: string;
  /** Event types delivered ('*' = every event). */
  events: string[];
  /** Active secrets (`whsec_…`), newest first; every delivery carries a signature for each. */
  secrets: string[];
  createdAt: number;
}

export interface WebhooksAdmin {
  /** Subscribe `url` to `events`; a secret is generated unless given. */
  add(subscription: { url: string; events: string[]; secret?: string }): Promise<WebhookSubscription>;
  list(): Promise<WebhookSubscription[]>;
  remove(id: string): Promise<boolean>;
  /**
   * Start a secret rotation: a new secret becomes active next to the current one (deliveries carry
   * both signatures) until `retireSecrets(id)` keeps only the newest. Returns the new secret.
   */
  rotateSecret(id: string): Promise<string>;
  retireSecrets(id: string): Promise<void>;
}

/** The body of every webhook delivery (docs/PROTOCOL.md, "Webhooks"). */
export interface WebhookPayload {
  type: string;
  /** ISO 8601, when the event was enqueued. */
  timestamp: string;
  data: unknown;
}
