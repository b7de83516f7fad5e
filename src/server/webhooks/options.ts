/** `SyncServerOptions.webhooks`: `true`, or settings for record-change feeds and the admin API. */
import { InvalidArgumentError } from '../../core/errors.js';

export interface WebhooksOptions {
  /**
   * How long this server trusts its in-memory list of record-change subscriptions before reading it
   * again, ms (default 1000). Subscriptions added through this server apply at once; ones added by
   * another instance or the `syncline webhooks` CLI apply within this long.
   */
  subscriptionsTtlMs?: number;
  /** The HTTP admin API (`<basePath>/v1/admin/webhooks/…`), off unless a token is given (≥ 16 characters). */
  admin?: { token: string };
}

export function webhooksOn(option: boolean | WebhooksOptions | undefined): option is true | WebhooksOptions {
  return option === true || (typeof option === 'object' && option !== null);
}

export function webhooksSettings(option: boolean | WebhooksOptions | undefined): WebhooksOptions | undefined {
  if (!webhooksOn(option)) return undefined;
  const settings = option === true ? {} : option;
  const ttl = settings.subscriptionsTtlMs;
  if (ttl !== undefined && (!Number.isSafeInteger(ttl) || ttl < 0)) throw new InvalidArgumentError(`webhooks.subscriptionsTtlMs must be whole milliseconds >= 0, got ${String(ttl)}.`);
  return settings;
}
