/** Outgoing webhooks: subscriptions, `ctx.publish`, and delivery as effects (the same outbox and worker). */
import type { Kysely } from 'kysely';
import type { ServerDatabase } from '../schema.js';
import { addSubscription, listSubscriptions, newSecret, removeSubscription, setSecrets } from './storage.js';
import type { WebhooksAdmin } from './types.js';

export function createWebhooksAdmin(db: () => Promise<Kysely<ServerDatabase>>, now: () => number): WebhooksAdmin {
  return {
    add: async (input) => addSubscription(await db(), input, now()),
    list: async () => listSubscriptions(await db()),
    remove: async (id) => removeSubscription(await db(), id),
    async rotateSecret(id) {
      const secret = newSecret();
      // Newest first, and at most two: the one being retired and its successor.
      await setSecrets(await db(), id, (secrets) => [secret, ...secrets].slice(0, 2));
      return secret;
    },
    async retireSecrets(id) {
      await setSecrets(await db(), id, (secrets) => secrets.slice(0, 1));
    },
  };
}

export { webhookDeliverer } from './deliver.js';
export { WEBHOOK_EFFECT, publishEvent } from './storage.js';
export type * from './types.js';
