/**
 * The client's maintained digest: one row of lanes per collection in the `digests` table, changed in
 * the same store transaction as every confirmed record, so verify reads O(collections) rows instead
 * of re-hashing every record. `meta/digestLanes` holds the digest format the rows are maintained in;
 * it is set only by a rebuild from a full scan, so a database written by a syncline that did not keep
 * lanes (or kept another format) is recounted before its lanes are trusted.
 *
 * What the lanes cannot see is damage done behind the engine's back (a row edited by hand, a restored
 * file): that is what the periodic full recount (`recountLanes`) is for.
 */
import { DIGEST_FORMAT, addHash, emptyLanes, recordHash, sameLanes, type DigestLanes } from '../protocol/digest.js';
import type { JsonObject, JsonValue } from '../protocol/json.js';
import type { StoreReader, StoreWriter } from '../stores/store.js';
import { META, T, collectionPrefix, parseStoredRecord, recordKey, splitRecordKey } from './local-schema.js';

/** One confirmed-state change: a new value at a version, or the record gone (value undefined). */
export interface ConfirmedWrite {
  collection: string;
  key: string;
  version: number;
  value: JsonObject | undefined;
}

export type LaneMap = Map<string, DigestLanes>;

/**
 * Write confirmed records and move their collections' lanes by the difference, reading each replaced
 * record (its old value is what must be subtracted) and each touched lane row once.
 */
export async function writeConfirmedRecords(tx: StoreWriter, writes: readonly ConfirmedWrite[]): Promise<void> {
  if (writes.length === 0) return;
  if (!(await lanesTrusted(tx))) {
    // Not kept yet (a fresh database's initial sync, before its first verify) or being rebuilt: the
    // next verify recounts from the records, so skip reading and hashing what is replaced.
    for (const w of writes) {
      const rk = recordKey(w.collection, w.key);
      if (w.value === undefined) await tx.delete(T.records, rk);
      else await tx.put(T.records, rk, { v: 1, value: w.value, version: w.version });
    }
    return;
  }
  const deltas: LaneMap = new Map();
  for (const w of writes) {
    const rk = recordKey(w.collection, w.key);
    const old = parseStoredRecord(await tx.get(T.records, rk), `records/${rk}`);
    let delta = deltas.get(w.collection) ?? emptyLanes();
    if (old !== undefined) delta = addHash(delta, recordHash(w.collection, w.key, old.version, old.value), -1);
    if (w.value === undefined) {
      if (old !== undefined) await tx.delete(T.records, rk);
    } else {
      delta = addHash(delta, recordHash(w.collection, w.key, w.version, w.value), 1);
      await tx.put(T.records, rk, { v: 1, value: w.value, version: w.version });
    }
    deltas.set(w.collection, delta);
  }
  for (const [collection, delta] of deltas) {
    if (delta.count === 0 && delta.a === 0 && delta.b === 0) continue;
    const lanes = await readLaneRow(tx, collection);
    if (lanes === undefined) {
      // A damaged lane row: stop trusting the lanes, so the next verify rebuilds them from the records.
      await tx.delete(T.meta, META.digestLanes);
      return;
    }
    await writeLaneRow(tx, collection, { count: lanes.count + delta.count, a: (lanes.a + delta.a) >>> 0, b: (lanes.b + delta.b) >>> 0 });
  }
}

/** Whether the lanes are maintained in the current format (else they must be rebuilt before use). */
export async function lanesTrusted(tx: StoreReader): Promise<boolean> {
  return (await tx.get(T.meta, META.digestLanes)) === DIGEST_FORMAT;
}

/**
 * The maintained lanes of every collection (empty collections left out), or undefined when they are
 * not trusted or a row is damaged: the caller must recount.
 */
export async function readLanes(tx: StoreReader): Promise<LaneMap | undefined> {
  if (!(await lanesTrusted(tx))) return undefined;
  const out: LaneMap = new Map();
  for (const [collection, raw] of await tx.scan(T.digests)) {
    const lanes = parseLaneRow(raw);
    if (lanes === undefined) return undefined;
    if (lanes.count !== 0) out.set(collection, lanes);
  }
  return out;
}

/** Lanes recomputed from the stored records themselves (all collections, or one). */
export async function scanLanes(tx: StoreReader, onlyCollection?: string): Promise<LaneMap> {
  const lanes: LaneMap = new Map();
  const prefix = onlyCollection === undefined ? {} : { prefix: collectionPrefix(onlyCollection) };
  // In pages, each hashed before the next is read: hashing 100k records in one go held a browser's
  // main thread for seconds, and the whole table was in memory at once.
  let start: string | undefined;
  for (;;) {
    const rows = await tx.scan(T.records, { ...prefix, ...(start === undefined ? {} : { start }), limit: RECOUNT_PAGE });
    for (const [k, raw] of rows) {
      const record = parseStoredRecord(raw, `records/${k}`);
      if (record === undefined) continue;
      const { collection, key } = splitRecordKey(k);
      lanes.set(collection, addHash(lanes.get(collection) ?? emptyLanes(), recordHash(collection, key, record.version, record.value), 1));
    }
    const last = rows.at(-1);
    if (rows.length < RECOUNT_PAGE || last === undefined) return lanes;
    start = `${last[0]}\u0000`; // the least key after the last one
  }
}

/** Records hashed between two reads of a recount (each read lets other work run in a browser). */
const RECOUNT_PAGE = 500;

/**
 * The full recount: scan every record, and where the maintained lanes disagree (or are not trusted)
 * replace them with the scan. Returns the scanned lanes and the collections whose trusted lanes were
 * wrong (lanes not kept yet are started from the scan, which is not news).
 */
export async function recountLanes(tx: StoreWriter): Promise<{ lanes: LaneMap; rebuilt: string[] }> {
  const scanned = await scanLanes(tx);
  const kept = await readLanes(tx);
  if (kept === undefined) {
    // Untrusted or damaged: start over from the scan.
    for (const [collection] of await tx.scan(T.digests)) await tx.delete(T.digests, collection);
  }
  const differ = [...new Set([...scanned.keys(), ...(kept?.keys() ?? [])])].filter((c) => kept === undefined || !sameLanes(scanned.get(c), kept.get(c))).sort();
  for (const collection of differ) await writeLaneRow(tx, collection, scanned.get(collection) ?? emptyLanes());
  await tx.put(T.meta, META.digestLanes, DIGEST_FORMAT);
  return { lanes: scanned, rebuilt: kept === undefined ? [] : differ };
}

/** Rebuild one collection's lanes from its records (after a repair re-pulled it). */
export async function rebuildCollectionLanes(tx: StoreWriter, collection: string): Promise<DigestLanes> {
  const lanes = (await scanLanes(tx, collection)).get(collection) ?? emptyLanes();
  await writeLaneRow(tx, collection, lanes);
  return lanes;
}

async function readLaneRow(tx: StoreReader, collection: string): Promise<DigestLanes | undefined> {
  const raw = await tx.get(T.digests, collection);
  return raw === undefined ? emptyLanes() : parseLaneRow(raw);
}

async function writeLaneRow(tx: StoreWriter, collection: string, lanes: DigestLanes): Promise<void> {
  if (lanes.count === 0 && lanes.a === 0 && lanes.b === 0) await tx.delete(T.digests, collection);
  else await tx.put(T.digests, collection, { v: DIGEST_FORMAT, count: lanes.count, a: lanes.a, b: lanes.b });
}

/** A lane row of the current format, or undefined (another format, or damaged). */
function parseLaneRow(raw: JsonValue): DigestLanes | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || raw['v'] !== DIGEST_FORMAT) return undefined;
  const { count, a, b } = raw;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0 || !isLane(a) || !isLane(b)) return undefined;
  return { count, a: a as number, b: b as number };
}

function isLane(x: JsonValue | undefined): boolean {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffffffff;
}
