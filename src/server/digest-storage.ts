/**
 * Server side of the convergence digest: updated inside every record write (under the scope lock),
 * read by the pull's last page in the same snapshot as its changes.
 */
import type { Kysely } from 'kysely';
import { emptyLanes, toDigest, updateLanes, type CollectionDigest, type DigestLanes } from '../protocol/digest.js';
import { toInt, type ServerDatabase } from './schema.js';

type Db = Kysely<ServerDatabase>;

async function readLanes(db: Db, scope: string, collection: string): Promise<DigestLanes> {
  const row = await db
    .selectFrom('digests')
    .select(['count', 'lane_a', 'lane_b'])
    .where('scope', '=', scope)
    .where('collection', '=', collection)
    .executeTakeFirst();
  return row === undefined ? emptyLanes() : { count: toInt(row.count), a: toInt(row.lane_a), b: toInt(row.lane_b) };
}

async function writeLanes(db: Db, scope: string, collection: string, lanes: DigestLanes): Promise<void> {
  const values = { count: lanes.count, lane_a: lanes.a, lane_b: lanes.b };
  await db
    .insertInto('digests')
    .values({ scope, collection, ...values })
    .onConflict((oc) => oc.columns(['scope', 'collection']).doUpdateSet(values))
    .execute();
}

/** Replace one record's contribution: `before`/`after` are live versions (undefined = absent/tombstone). */
export async function updateDigest(
  db: Db,
  scope: string,
  collection: string,
  key: string,
  before: number | undefined,
  after: number | undefined,
): Promise<void> {
  let lanes = await readLanes(db, scope, collection);
  if (before !== undefined) lanes = updateLanes(lanes, collection, key, before, -1);
  if (after !== undefined) lanes = updateLanes(lanes, collection, key, after, 1);
  await writeLanes(db, scope, collection, lanes);
}

export async function readDigests(db: Db, scope: string): Promise<Record<string, CollectionDigest>> {
  const rows = await db.selectFrom('digests').select(['collection', 'count', 'lane_a', 'lane_b']).where('scope', '=', scope).execute();
  const out: Record<string, CollectionDigest> = {};
  for (const row of rows) {
    if (toInt(row.count) === 0) continue;
    out[row.collection] = toDigest({ count: toInt(row.count), a: toInt(row.lane_a), b: toInt(row.lane_b) });
  }
  return out;
}

/** For databases created before digests existed: compute them once from the live records. */
export async function backfillDigests(db: Db): Promise<void> {
  const lanes = new Map<string, { scope: string; collection: string; lanes: DigestLanes }>();
  const rows = await db.selectFrom('records').select(['scope', 'collection', 'key', 'version']).where('deleted', '=', 0).execute();
  for (const row of rows) {
    const id = `${row.scope}\u0000${row.collection}`;
    const entry = lanes.get(id) ?? { scope: row.scope, collection: row.collection, lanes: emptyLanes() };
    entry.lanes = updateLanes(entry.lanes, row.collection, row.key, toInt(row.version), 1);
    lanes.set(id, entry);
  }
  for (const entry of lanes.values()) await writeLanes(db, entry.scope, entry.collection, entry.lanes);
}
