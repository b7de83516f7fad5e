/** Outgoing webhooks: subscriptions, `ctx.publish`, and delivery as effects (the same outbox and worker). */
import type { Kysely } from 'kysely';
import type { ServerDatabase } from '../schema.js';
import { addSubscription, listSubscriptions, newSecret, removeSubscription, setSecrets } from './storage.js';
import type { WebhooksAdmin } from './types.js';

/** `changed`: a subscription was added or removed (the record-change feed re-reads its list). */
export function createWebhooksAdmin(db: () => Promise<Kysely<ServerDatabase>>, now: () => number, changed: () => void = () => {}): WebhooksAdmin {
  return {
    async add(input) {
      const sub = await addSubscription(await db(), input, now());
      changed();
      return sub;
    },
    list: async () => listSubscriptions(await db()),
    async remove(id) {
      const removed = await removeSubscription(await db(), id);
      changed();
      return removed;
    },
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
export { RecordChangeFeed, attachRecordChangeFeed, RECORD_CHANGED } from './record-changes.js';
export { createWebhookAdminHandler, WEBHOOK_ADMIN_PATH } from './admin-routes.js';
export { webhooksOn, webhooksSettings, type WebhooksOptions } from './options.js';
export { WEBHOOK_EFFECT, publishEvent } from './storage.js';
export type * from './types.js';
