/** The effect worker's options as the server runs it: the app's handlers plus the webhook deliverer when webhooks are on. */
import type { Kysely } from 'kysely';
import type { ServerDatabase } from '../schema.js';
import type { SyncServerOptions } from '../types.js';
import { WEBHOOK_EFFECT, webhookDeliverer } from '../webhooks/index.js';
import type { EffectsOptions } from './types.js';
import { webhooksOn } from '../webhooks/options.js';

/** undefined: neither effects nor webhooks, so no worker (and no database opened before the first request). */
export function effectOptions(options: SyncServerOptions, db: () => Kysely<ServerDatabase>): EffectsOptions | undefined {
  if (options.effects === undefined && !webhooksOn(options.webhooks)) return undefined;
  const handlers = { ...options.effects?.handlers };
  if (webhooksOn(options.webhooks)) handlers[WEBHOOK_EFFECT] = webhookDeliverer(db);
  return { ...options.effects, handlers };
}
