/**
 * The effect handler behind `syncline.webhook`: POST the Standard Webhooks payload to the subscriber,
 * signed with every active secret (`webhook-signature: v1,<sig> v1,<sig>`), `webhook-id` = the effect
 * id (stable across retries, so the receiver deduplicates). A subscriber removed meanwhile is skipped.
 */
import { Webhook } from 'standardwebhooks';
import type { Kysely } from 'kysely';
import type { ServerDatabase } from '../schema.js';
import { PermanentEffectError } from '../effects/errors.js';
import type { EffectDeliver } from '../effects/types.js';
import { readSubscription } from './storage.js';

const RETRYABLE = new Set([408, 425, 429]);

export function webhookDeliverer(db: () => Kysely<ServerDatabase>): EffectDeliver {
  return async (effect, ctx) => {
    const { subscriptionId, type, timestamp, data } = effect.payload as { subscriptionId: string; type: string; timestamp: string; data: unknown };
    const sub = await readSubscription(db(), subscriptionId);
    if (sub === undefined) return { skipped: 'subscription removed' };
    const body = JSON.stringify({ type, timestamp, data });
    const sentAt = new Date();
    const signature = sub.secrets.map((secret) => new Webhook(secret).sign(effect.id, sentAt, body)).join(' ');
    const response = await fetch(sub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': effect.id, 'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)), 'webhook-signature': signature },
      body,
      signal: ctx.signal,
    });
    await response.body?.cancel();
    if (response.ok) return { status: response.status };
    const message = `Webhook ${sub.url} answered ${response.status} to ${effect.id}.`;
    if (response.status >= 500 || RETRYABLE.has(response.status)) throw new Error(message);
    throw new PermanentEffectError(message);
  };
}
