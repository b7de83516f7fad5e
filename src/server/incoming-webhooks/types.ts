/** Options of incoming webhooks (`SyncServerOptions.incomingWebhooks`). */
import type { JsonValue } from '../../protocol/json.js';

/** The server-side write a callback turns into, or null to acknowledge it and do nothing. */
export interface IncomingWebhookWrite {
  scope: string;
  /** A handler of the server's `mutations` (or a record mutation). */
  mutation: string;
  args: JsonValue;
}

export interface IncomingWebhookSource {
  /**
   * The Standard Webhooks secret(s) (`whsec_…` base64) the sender signs with. During a rotation list
   * both: a callback signed with any of them is accepted.
   */
  secret: string | readonly string[];
  /**
   * Turn the verified JSON payload into a write. Throwing (or returning something else) refuses the
   * callback as 400 `webhook-payload-invalid`, with nothing written.
   */
  handle(payload: JsonValue, headers: Headers): IncomingWebhookWrite | null;
}

export interface IncomingWebhookOptions {
  /** Endpoint `POST <basePath>/v1/webhooks/in/<source>` for each; names are [A-Za-z0-9_-]{1,64}. */
  sources: Record<string, IncomingWebhookSource>;
  /** How far `webhook-timestamp` may be from the server's clock, in seconds (default 300, as the spec suggests). */
  toleranceSeconds?: number;
  /**
   * How long a seen `webhook-id` is remembered, seconds (default 7 days; at least twice
   * `toleranceSeconds`, so a replay is refused for as long as its timestamp could pass).
   */
  seenRetentionSeconds?: number;
  /** Largest body accepted (default 64 KiB). */
  maxBodyBytes?: number;
}
