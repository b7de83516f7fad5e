/** What the sync server wires for outgoing webhooks: the admin object, the record-change feed, the HTTP admin API. */
import type { Kysely } from 'kysely';
import type { ServerDatabase } from '../schema.js';
import type { MutationHandler, SyncServerOptions } from '../types.js';
import { createWebhookAdminHandler } from './admin-routes.js';
import { createWebhooksAdmin } from './index.js';
import { webhooksSettings } from './options.js';
import { attachRecordChangeFeed, RecordChangeFeed } from './record-changes.js';
import type { WebhooksAdmin } from './types.js';

export interface WebhooksWiring {
  admin: WebhooksAdmin;
  /** The admin API's handler; undefined without `webhooks.admin.token`. */
  handler: ((request: Request) => Promise<Response> | undefined) | undefined;
}

export function wireWebhooks(
  options: SyncServerOptions,
  deps: { handlers: ReadonlyMap<string, MutationHandler>; db: () => Promise<Kysely<ServerDatabase>>; basePath: string; now: () => number; wake: () => void },
): WebhooksWiring {
  const settings = webhooksSettings(options.webhooks);
  // Without webhooks no writer looks for a feed: a write costs nothing extra.
  const feed = settings === undefined ? undefined : new RecordChangeFeed(settings.subscriptionsTtlMs === undefined ? {} : { ttlMs: settings.subscriptionsTtlMs });
  if (feed !== undefined) attachRecordChangeFeed(deps.handlers, feed);
  const admin = createWebhooksAdmin(deps.db, deps.now, () => feed?.invalidate());
  const handler = settings?.admin === undefined ? undefined : createWebhookAdminHandler({ token: settings.admin.token, basePath: deps.basePath, admin, db: deps.db, now: deps.now, wake: deps.wake });
  return { admin, handler };
}
