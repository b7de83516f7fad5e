/**
 * Server side of the convergence digest: updated inside every record write (under the scope lock),
 * read by the pull's last page in the same snapshot as its changes.
 *
 * Subtracting a replaced record needs its old contribution, which covers its value. Each live row
 * keeps it in `records.digest_hash` (16 hex), written with the row, so a write reads 16 bytes instead
 * of parsing, canonicalising and hashing the old value (bench/digest-cost.ts measures both). A row
 * without one (written before 0008_value_digest, or inserted by hand) is hashed from its value.
 */
import type { Kysely } from 'kysely';
import type { JsonObject } from '../protocol/json.js';
import { addHash, emptyLanes, parseHashHex, recordHash, toDigest, type CollectionDigest, type DigestLanes, type RecordHash } from '../protocol/digest.js';
import { toInt, type RecordRow, type ServerDatabase } from './schema.js';
import { rawSqlite } from './sqlite-raw.js';

type Db = Kysely<ServerDatabase>;

async function readLanes(db: Db, scope: string, collection: string): Promise<DigestLanes> {
  const raw = rawSqlite(db);
  const row = raw !== undefined
    ? raw.get<{ count: number; lane_a: number; lane_b: number }>('SELECT count, lane_a, lane_b FROM digests WHERE scope = ? AND collection = ?', scope, collection)
    : await db
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

/** Replace one record's contribution: `before`/`after` are its live hashes (undefined = absent/tombstone). */
export async function updateDigest(
  db: Db,
  scope: string,
  collection: string,
  before: RecordHash | undefined,
  after: RecordHash | undefined,
): Promise<void> {
  if (before === undefined && after === undefined) return;
  const raw = rawSqlite(db);
  // A raw push transaction keeps the lanes in memory and writes them once before its commit.
  let lanes = raw?.cachedLanes(scope, collection) ?? (await readLanes(db, scope, collection));
  if (before !== undefined) lanes = addHash(lanes, before, -1);
  if (after !== undefined) lanes = addHash(lanes, after, 1);
  if (raw !== undefined) raw.setLanes(scope, collection, lanes);
  else await writeLanes(db, scope, collection, lanes);
}

/** The contribution a stored row makes (undefined for a tombstone or no row). */
export function liveContribution(row: Pick<RecordRow, 'collection' | 'key' | 'value' | 'version' | 'deleted' | 'digest_hash'> | undefined): RecordHash | undefined {
  if (row === undefined || row.deleted !== 0 || row.value === null) return undefined;
  const stored = row.digest_hash === null ? undefined : parseHashHex(row.digest_hash);
  return stored ?? recordHash(row.collection, row.key, toInt(row.version), JSON.parse(row.value) as JsonObject);
}

/** The stored row's contribution, read by primary key (for writers that know the row is live). */
export async function readContribution(db: Db, scope: string, collection: string, key: string): Promise<RecordHash | undefined> {
  const raw = rawSqlite(db);
  const row = raw !== undefined
    ? raw.get<Pick<RecordRow, 'collection' | 'key' | 'value' | 'version' | 'deleted' | 'digest_hash'>>(
      'SELECT collection, key, value, version, deleted, digest_hash FROM records WHERE scope = ? AND collection = ? AND key = ?', scope, collection, key)
    : await db
    .selectFrom('records')
    .select(['collection', 'key', 'value', 'version', 'deleted', 'digest_hash'])
    .where('scope', '=', scope)
    .where('collection', '=', collection)
    .where('key', '=', key)
    .executeTakeFirst();
  return liveContribution(row);
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

/** Rows read per step of a recount, so a large database is never held in memory at once. */
const RECOUNT_CHUNK = 5000;

/**
 * Compute every digest from the live records, in the current format, replacing what is stored. Used
 * by migrations (and by tools that insert records directly); it hashes values and never reads or
 * writes `digest_hash`, so it runs on schemas from before that column too.
 */
export async function backfillDigests(db: Db, chunk = RECOUNT_CHUNK): Promise<void> {
  const lanes = new Map<string, { scope: string; collection: string; lanes: DigestLanes }>();
  let after: { scope: string; collection: string; key: string } | undefined;
  for (;;) {
    let query = db.selectFrom('records').select(['scope', 'collection', 'key', 'value', 'version']).where('deleted', '=', 0);
    if (after !== undefined) {
      const from = after;
      // A row-value comparison walks the primary key index on both SQLite and PostgreSQL.
      query = query.where(({ eb, refTuple, tuple }) => eb(refTuple('scope', 'collection', 'key'), '>', tuple(from.scope, from.collection, from.key)));
    }
    const rows = await query.orderBy('scope').orderBy('collection').orderBy('key').limit(chunk).execute();
    for (const row of rows) {
      if (row.value === null) continue;
      const id = `${row.scope}\u0000${row.collection}`;
      const entry = lanes.get(id) ?? { scope: row.scope, collection: row.collection, lanes: emptyLanes() };
      entry.lanes = addHash(entry.lanes, recordHash(row.collection, row.key, toInt(row.version), JSON.parse(row.value) as JsonObject), 1);
      lanes.set(id, entry);
    }
    const last = rows[rows.length - 1];
    if (rows.length < chunk || last === undefined) break;
    after = last;
  }
  await db.deleteFrom('digests').execute();
  for (const entry of lanes.values()) await writeLanes(db, entry.scope, entry.collection, entry.lanes);
}
