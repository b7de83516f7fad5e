/**
 * `record.changed` webhook events: one signed delivery per committed record write, to every
 * subscription whose `collections` (and `operations`) match, enqueued as an effect in the write's own
 * transaction (so it exists iff the write commits; a rejected mutation's savepoint takes it along).
 *
 * Cheap when nobody subscribes: the feed keeps the record-change subscriptions in memory and a write
 * asks that list, not the database. The list is re-read when this server adds or removes a
 * subscription (`invalidate`) and otherwise at most once per `ttlMs` — how a subscription added by
 * another instance on the same PostgreSQL, or by the `syncline webhooks` CLI, takes effect here.
 * The re-read runs on the writer's own transaction (on SQLite the only usable connection then).
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { JsonObject } from '../../protocol/json.js';
import type { ServerDatabase } from '../schema.js';
import type { MutationHandler } from '../types.js';
import { insertEffects, type NewEffect } from '../effects/storage.js';
import { WEBHOOK_EFFECT } from './storage.js';
import type { RecordChangeOp } from './types.js';

type Db = Kysely<ServerDatabase>;

export const RECORD_CHANGED = 'record.changed';
export const DEFAULT_SUBSCRIPTIONS_TTL_MS = 1000;

/** One committed record write, as a `record.changed` event's `data`. */
export interface RecordChange {
  scope: string;
  collection: string;
  key: string;
  version: number;
  op: RecordChangeOp;
  /** The record after the write; null when deleted. */
  value: JsonObject | null;
  writer: { clientId: string; mutationId: number };
}

interface Subscriber {
  id: string;
  collections: ReadonlySet<string>;
  operations: ReadonlySet<string> | undefined;
}

export class RecordChangeFeed {
  #subscribers: Subscriber[] | undefined;
  #loadedAt = 0;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: { ttlMs?: number; now?: () => number } = {}) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_SUBSCRIPTIONS_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  /** A subscription was added or removed here: the next write reads the list again. */
  invalidate(): void {
    this.#subscribers = undefined;
  }

  /** The subscribers, re-read on `db` when unknown or older than the TTL. */
  async subscribers(db: Db): Promise<readonly Subscriber[]> {
    const now = this.#now();
    if (this.#subscribers !== undefined && now - this.#loadedAt < this.#ttlMs) return this.#subscribers;
    const rows = await db.selectFrom('webhook_subscriptions').select(['id', 'collections', 'operations']).where('collections', 'is not', null).orderBy('id').execute();
    this.#subscribers = rows.map((row) => ({
      id: row.id,
      collections: new Set(JSON.parse(row.collections ?? '[]') as string[]),
      operations: row.operations === null ? undefined : new Set(JSON.parse(row.operations) as string[]),
    }));
    this.#loadedAt = now;
    return this.#subscribers;
  }

  /** Enqueue `changes` (in commit order) for their subscribers on `trx`. */
  async emit(trx: Db, changes: readonly RecordChange[]): Promise<void> {
    if (changes.length === 0) return;
    const subscribers = await this.subscribers(trx);
    if (subscribers.length === 0) return;
    const now = this.#now();
    const timestamp = new Date(now).toISOString();
    const effects: NewEffect[] = [];
    for (const change of changes) {
      for (const sub of subscribers) {
        if (!matches(sub, change)) continue;
        const payload = { subscriptionId: sub.id, type: RECORD_CHANGED, timestamp, data: change as unknown as JsonObject };
        effects.push({ name: WEBHOOK_EFFECT, key: orderingKey(sub.id, change), scope: change.scope, payload, now });
      }
    }
    // One INSERT for the slice (batched under the parameter limit), rows in commit order: per key
    // the effects' seq, and so their delivery, follows the versions.
    await insertEffects(trx, effects);
  }
}

function matches(sub: Subscriber, change: RecordChange): boolean {
  return (sub.collections.has('*') || sub.collections.has(change.collection)) && (sub.operations === undefined || sub.operations.has(change.op));
}

/** Per subscriber and record: its changes are delivered in version order. Long keys are hashed to fit the column. */
export function orderingKey(subscriptionId: string, change: Pick<RecordChange, 'scope' | 'collection' | 'key'>): string {
  const key = `${subscriptionId}:${JSON.stringify([change.scope, change.collection, change.key])}`;
  return key.length <= 512 ? key : `${subscriptionId}:sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/**
 * The feed of a server, found through its handler map (every writer — push, `server.mutate`,
 * incoming webhooks, effect write-backs, replays — runs handlers from that one map). Keyed per map,
 * so two servers in one process never share a feed.
 */
const feeds = new WeakMap<ReadonlyMap<string, MutationHandler>, RecordChangeFeed>();

export function attachRecordChangeFeed(handlers: ReadonlyMap<string, MutationHandler>, feed: RecordChangeFeed): void {
  feeds.set(handlers, feed);
}

export function recordChangeFeedOf(handlers: ReadonlyMap<string, MutationHandler>): RecordChangeFeed | undefined {
  return feeds.get(handlers);
}
