/** Public shapes of outgoing webhooks. */

/** What a `record.changed` event reports was done: the generic op, or `put`/`delete` of a named handler's `ctx.put`/`ctx.delete`. */
export type RecordChangeOp = 'put' | 'patch' | 'delete' | 'increment';

export const RECORD_CHANGE_OPS: readonly RecordChangeOp[] = ['put', 'patch', 'delete', 'increment'];

export interface WebhookSubscription {
  id: string;
  url: string;
  /** Event types of `ctx.publish` delivered ('*' = every event); may be empty when `collections` is set. */
  events: string[];
  /**
   * Collections whose every committed record change is delivered as a `record.changed` event ('*' =
   * all); absent: none.
   */
  collections?: string[];
  /** Only these ops of those collections (absent: all). */
  operations?: RecordChangeOp[];
  /** Active secrets (`whsec_…`), newest first; every delivery carries a signature for each. */
  secrets: string[];
  createdAt: number;
}

export interface WebhooksAdmin {
  /** Subscribe `url` to `events`; a secret is generated unless given. */
  add(subscription: WebhookSubscriptionInput): Promise<WebhookSubscription>;
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

/** What `server.webhooks.add` takes: at least one event type or one collection. */
export interface WebhookSubscriptionInput {
  url: string;
  events?: string[];
  collections?: string[];
  operations?: RecordChangeOp[];
  secret?: string;
}

/** The `data` of a `record.changed` event: one committed record write. */
export interface RecordChangedData {
  scope: string;
  collection: string;
  key: string;
  /** The scope version the write took (per key, deliveries come in this order). */
  version: number;
  op: RecordChangeOp;
  /** The record after the write; null for a delete. */
  value: Record<string, unknown> | null;
  /** Who wrote it: a client id and its mutation id, or a server-side origin (`syncline:server`, `syncline:webhook`, …). */
  writer: { clientId: string; mutationId: number };
}
