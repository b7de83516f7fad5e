/** Webhook subscriptions, and fanning an event out to them as effects in the caller's transaction. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { InvalidArgumentError } from '../../core/errors.js';
import type { JsonValue } from '../../protocol/json.js';
import { toInt, type ServerDatabase } from '../schema.js';
import { insertEffect } from '../effects/storage.js';
import type { WebhookSubscriptionsTable } from './schema.js';
import { RECORD_CHANGE_OPS, type RecordChangeOp, type WebhookSubscription, type WebhookSubscriptionInput } from './types.js';

type Db = Kysely<ServerDatabase>;

export const WEBHOOK_EFFECT = 'syncline.webhook';

export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export async function addSubscription(db: Db, input: WebhookSubscriptionInput, now: number): Promise<WebhookSubscription> {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch (error) {
    throw new InvalidArgumentError(`Webhook URL ${JSON.stringify(input.url)} is not a URL.`, { cause: error });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidArgumentError(`A webhook URL must be http(s), got ${url.protocol}.`);
  const events = names(input.events, 'events');
  const collections = input.collections === undefined ? undefined : names(input.collections, 'collections');
  if (events.length === 0 && (collections === undefined || collections.length === 0)) {
    throw new InvalidArgumentError('A webhook subscription needs at least one event type or collection (or "*").');
  }
  const operations = input.operations === undefined ? undefined : names(input.operations, 'operations');
  const unknownOp = operations?.find((op) => !(RECORD_CHANGE_OPS as readonly string[]).includes(op));
  if (unknownOp !== undefined) throw new InvalidArgumentError(`Webhook operations are ${RECORD_CHANGE_OPS.join(', ')}; got ${JSON.stringify(unknownOp)}.`);
  const secret = input.secret ?? newSecret();
  if (typeof secret !== 'string' || !secret.startsWith('whsec_')) throw new InvalidArgumentError('A webhook secret looks like "whsec_<base64>".');
  const row = {
    id: `wh_${randomUUID()}`,
    url: url.toString(),
    events: JSON.stringify(events),
    secrets: JSON.stringify([secret]),
    created_at: now,
    collections: collections === undefined || collections.length === 0 ? null : JSON.stringify(collections),
    operations: operations === undefined ? null : JSON.stringify(operations),
  };
  await db.insertInto('webhook_subscriptions').values(row).execute();
  return toSubscription(row);
}

export async function listSubscriptions(db: Db): Promise<WebhookSubscription[]> {
  return (await db.selectFrom('webhook_subscriptions').selectAll().orderBy('created_at').orderBy('id').execute()).map(toSubscription);
}

export async function readSubscription(db: Db, id: string): Promise<WebhookSubscription | undefined> {
  const row = await db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toSubscription(row);
}

export async function removeSubscription(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhook_subscriptions').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function setSecrets(db: Db, id: string, change: (secrets: string[]) => string[]): Promise<string[]> {
  const found = await readSubscription(db, id);
  if (found === undefined) throw new InvalidArgumentError(`There is no webhook subscription "${id}"; list them with server.webhooks.list().`);
  const secrets = change(found.secrets);
  await db.updateTable('webhook_subscriptions').set({ secrets: JSON.stringify(secrets) }).where('id', '=', id).execute();
  return secrets;
}

/**
 * Enqueue one delivery per subscriber of `type`, on `trx` (a mutation's transaction): the deliveries
 * exist iff it commits. Ordered per subscriber and `key`.
 */
export async function publishEvent(trx: Db, scope: string, type: string, data: JsonValue, key: string, now: number): Promise<number> {
  const subs = await trx.selectFrom('webhook_subscriptions').select(['id', 'events']).execute();
  let count = 0;
  for (const sub of subs) {
    const events = JSON.parse(sub.events) as string[];
    if (!events.includes('*') && !events.includes(type)) continue;
    await insertEffect(trx, { name: WEBHOOK_EFFECT, key: `${sub.id}:${key}`, scope, payload: { subscriptionId: sub.id, type, timestamp: new Date(now).toISOString(), data }, now });
    count += 1;
  }
  return count;
}

function toSubscription(row: Selectable<WebhookSubscriptionsTable>): WebhookSubscription {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    ...(row.collections === null ? {} : { collections: JSON.parse(row.collections) as string[] }),
    ...(row.operations === null ? {} : { operations: JSON.parse(row.operations) as RecordChangeOp[] }),
    secrets: JSON.parse(row.secrets) as string[],
    createdAt: toInt(row.created_at),
  };
}

/** A list of 1–128 character names (absent: empty). */
function names(list: unknown, field: string): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.length > 100 || list.some((e) => typeof e !== 'string' || e === '' || e.length > 128)) {
    throw new InvalidArgumentError(`Webhook ${field} must be a list of at most 100 names of 1–128 characters.`);
  }
  return [...new Set(list as string[])];
}
