/**
 * An import batch in portable kysely (PostgreSQL, or a SQLite `Kysely` the caller opened): a handful
 * of statements per batch instead of several per record — the old rows read with one `IN` query per
 * chunk of keys, the records written with multi-row upserts — so the round trips to PostgreSQL are
 * paid per 1,000 records, not per record.
 */
import { sql, type Kysely } from 'kysely';
import { addHash, emptyLanes, hashHex, recordHash, type DigestLanes } from '../protocol/digest.js';
import { liveContribution } from './digest-storage.js';
import { toInt, type RecordRow, type ServerDatabase } from './schema.js';
import { lockScope } from './storage.js';
import { ImportConflictError } from './import-types.js';
import type { ImportsTable } from './import-table.js';
import { lastWritePerKey, type BatchCommitted, type BatchPlan, type CheckpointRow } from './import-plan.js';

type Db = Kysely<ServerDatabase>;

/** Rows per statement: 8 parameters each stays far below PostgreSQL's 65,535 and SQLite's 32,766. */
const ROWS_PER_STATEMENT = 1000;

/** The stored checkpoint of an import, or undefined before its first commit. */
export async function readCheckpoint(db: Db, scope: string, importId: string): Promise<CheckpointRow | undefined> {
  const row = await db.withTables<{ imports: ImportsTable }>()
    .selectFrom('imports')
    .select(['position', 'records', 'invalid'])
    .where('scope', '=', scope)
    .where('import_id', '=', importId)
    .executeTakeFirst();
  return row === undefined ? undefined : { position: toInt(row.position), records: toInt(row.records), invalid: toInt(row.invalid) };
}

export async function writeBatchPortable(trx: Db, plan: BatchPlan): Promise<BatchCommitted> {
  const { scope } = plan;
  // The scope's row lock orders this batch's versions with every push (storage.ts, lockScope).
  const versionBefore = await lockScope(trx, scope);
  const found = await readCheckpoint(trx, scope, plan.importId);
  if ((found?.position ?? 0) !== plan.from) throw new ImportConflictError(plan.importId, plan.from, found?.position ?? 0);
  const records = lastWritePerKey(plan.records);
  const old = await readOldRows(trx, scope, records.map((r) => [r.collection, r.key] as const));
  const lanes = new Map<string, DigestLanes>();
  let version = versionBefore;
  const rows = records.map((record) => {
    version += 1;
    const before = liveContribution(old.get(`${record.collection}\u0000${record.key}`));
    const after = recordHash(record.collection, record.key, version, record.value);
    let collectionLanes = lanes.get(record.collection) ?? emptyLanes();
    if (before !== undefined) collectionLanes = addHash(collectionLanes, before, -1);
    lanes.set(record.collection, addHash(collectionLanes, after, 1));
    return { scope, collection: record.collection, key: record.key, value: JSON.stringify(record.value), version, deleted: 0, deleted_at: null, digest_hash: hashHex(after) };
  });
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) await upsertRecords(trx, rows.slice(i, i + ROWS_PER_STATEMENT));
  for (const [collection, delta] of lanes) await addToLanes(trx, scope, collection, delta);
  if (version !== versionBefore) await trx.updateTable('scopes').set({ version }).where('scope', '=', scope).execute();
  const checkpoint = { position: plan.to, records: (found?.records ?? 0) + records.length, invalid: (found?.invalid ?? 0) + plan.invalid };
  await trx.withTables<{ imports: ImportsTable }>()
    .insertInto('imports')
    .values({ scope, import_id: plan.importId, ...checkpoint, started_at: plan.now, updated_at: plan.now, finished_at: plan.finished ? plan.now : null })
    .onConflict((oc) => oc.columns(['scope', 'import_id']).doUpdateSet({ ...checkpoint, updated_at: plan.now, finished_at: plan.finished ? plan.now : null }))
    .execute();
  return { versionBefore, version, checkpoint };
}

type OldRow = Pick<RecordRow, 'collection' | 'key' | 'value' | 'version' | 'deleted' | 'digest_hash'>;

/** The stored rows of these keys (live or tombstones), by collection NUL key. */
async function readOldRows(trx: Db, scope: string, keys: ReadonlyArray<readonly [string, string]>): Promise<Map<string, OldRow>> {
  const byCollection = new Map<string, string[]>();
  for (const [collection, key] of keys) {
    const list = byCollection.get(collection);
    if (list === undefined) byCollection.set(collection, [key]);
    else list.push(key);
  }
  const found = new Map<string, OldRow>();
  for (const [collection, all] of byCollection) {
    for (let i = 0; i < all.length; i += ROWS_PER_STATEMENT) {
      const rows = await trx
        .selectFrom('records')
        .select(['collection', 'key', 'value', 'version', 'deleted', 'digest_hash'])
        .where('scope', '=', scope)
        .where('collection', '=', collection)
        .where('key', 'in', all.slice(i, i + ROWS_PER_STATEMENT))
        .execute();
      for (const row of rows) found.set(`${row.collection}\u0000${row.key}`, row);
    }
  }
  return found;
}

type NewRow = { scope: string; collection: string; key: string; value: string; version: number; deleted: number; deleted_at: null; digest_hash: string };

async function upsertRecords(trx: Db, rows: NewRow[]): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto('records')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['scope', 'collection', 'key']).doUpdateSet({
        value: sql`excluded.value`,
        version: sql`excluded.version`,
        deleted: 0,
        deleted_at: null,
        digest_hash: sql`excluded.digest_hash`,
        // Not a client's verbatim write: no echo marker may stand in for it (record-origin.ts).
        origin_client: null,
        origin_mutation: null,
        origin_first: null,
        origin_base: null,
      }),
    )
    .execute();
}

/** Add a batch's net contribution to the stored lanes (lanes are sums, so deltas add). */
async function addToLanes(trx: Db, scope: string, collection: string, delta: DigestLanes): Promise<void> {
  const row = await trx.selectFrom('digests').select(['count', 'lane_a', 'lane_b']).where('scope', '=', scope).where('collection', '=', collection).executeTakeFirst();
  const current = row === undefined ? emptyLanes() : { count: toInt(row.count), a: toInt(row.lane_a), b: toInt(row.lane_b) };
  const next = { count: current.count + delta.count, lane_a: (current.a + delta.a) >>> 0, lane_b: (current.b + delta.b) >>> 0 };
  await trx
    .insertInto('digests')
    .values({ scope, collection, ...next })
    .onConflict((oc) => oc.columns(['scope', 'collection']).doUpdateSet(next))
    .execute();
}
