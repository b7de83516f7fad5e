/**
 * Declared query indexes, kept as rows of their own table in the same store and the same
 * transaction as the confirmed records they index. Every store orders keys, so an index is a table
 * of keys `collection NUL [fields] NUL enc(v1) NUL … enc(vn) NUL recordKey` (value 1): on SQLite
 * and the React Native store that is the primary-key B-tree, on IndexedDB the [table, key] key of
 * the one object store, in memory the sorted table. A query reads a key range of it.
 *
 * `indexingWriter` wraps the client's write transactions (see query-store.ts): every put or delete of a confirmed record of an
 * indexed collection also moves that record's entries, whichever code path writes it (local writes
 * never touch confirmed records; pulls, verify repairs and resets do). Pending writes live in the
 * overlay and are merged in by the query engine.
 *
 * `query_index_defs` remembers, per collection, which indexes the entries were built for; when the
 * declaration changes, the collection's entries are rebuilt from its records in one transaction.
 * A client that declares no index for a collection does not maintain its entries, and a later one
 * declaring the same index again does not notice they went stale (a known limit, documented).
 */
import type { JsonObject, JsonValue } from '../protocol/json.js';
import type { ScanOptions, StoreReader, StoreWriter } from '../stores/store.js';
import { collectionPrefix, InvalidArgumentError, parseStoredRecord, splitRecordKey, T } from './query-deps.js';
import { encodeScalar, isScalar, SEP } from './query-encoding.js';

export const INDEX_TABLE = 'query_index';
export const INDEX_DEFS_TABLE = 'query_index_defs';

/** One index: its fields in order (a compound index has several). */
export type IndexFields = readonly string[];
/** The `indexes` client option: per collection, fields or field lists. */
export type IndexDeclarations = Readonly<Record<string, ReadonlyArray<string | readonly string[]>>>;

/** An index with its entry prefix worked out once (every write of the collection needs it). */
interface KeptIndex {
  fields: IndexFields;
  prefix: string;
}

export class QueryIndexes {
  readonly #byCollection = new Map<string, IndexFields[]>();
  readonly #kept = new Map<string, KeptIndex[]>();

  constructor(declared: IndexDeclarations = {}) {
    for (const [collection, list] of Object.entries(declared)) {
      const seen = new Set<string>();
      const indexes: IndexFields[] = [];
      for (const item of list) {
        const fields = typeof item === 'string' ? [item] : [...item];
        if (fields.length === 0 || fields.some((f) => typeof f !== 'string' || f === '')) {
          throw new InvalidArgumentError(`indexes.${collection}: an index is a field name or a non-empty list of field names; got ${JSON.stringify(item)}.`);
        }
        const id = JSON.stringify(fields);
        if (!seen.has(id)) indexes.push(fields);
        seen.add(id);
      }
      if (indexes.length === 0) continue;
      this.#byCollection.set(collection, indexes);
      this.#kept.set(collection, indexes.map((fields) => ({ fields, prefix: indexPrefix(collection, fields) })));
    }
  }

  of(collection: string): readonly IndexFields[] {
    return this.#byCollection.get(collection) ?? [];
  }

  /** The collection's indexes with their prefixes, for keeping entries on writes. */
  kept(collection: string): readonly KeptIndex[] {
    return this.#kept.get(collection) ?? NONE;
  }

  get empty(): boolean {
    return this.#byCollection.size === 0;
  }
}

const NONE: readonly KeptIndex[] = [];

/** Where one index's entries start: `collection NUL ["f1","f2"] NUL`. */
export function indexPrefix(collection: string, fields: IndexFields): string {
  return collection + SEP + JSON.stringify(fields) + SEP;
}

/** The entry of a record in an index, or undefined when a field is not a scalar (not indexed). */
export function entryKey(collection: string, fields: IndexFields, key: string, value: JsonObject | undefined): string | undefined {
  return entryUnder(indexPrefix(collection, fields), fields, key, value);
}

function entryUnder(prefix: string, fields: IndexFields, key: string, value: JsonObject | undefined): string | undefined {
  if (value === undefined) return undefined;
  let out = prefix;
  for (const f of fields) {
    const v: JsonValue | undefined = value[f];
    if (!isScalar(v)) return undefined;
    out += encodeScalar(v) + SEP;
  }
  return out + key;
}

/** Whether every field of the index holds the same value before and after (so the entry stays). */
function sameFields(fields: IndexFields, before: JsonObject | undefined, after: JsonObject | undefined): boolean {
  if (before === undefined || after === undefined) return before === after;
  for (const f of fields) if (before[f] !== after[f]) return false;
  return true;
}

async function moveEntries(tx: StoreWriter, indexes: readonly KeptIndex[], key: string, before: JsonObject | undefined, after: JsonObject | undefined): Promise<void> {
  for (const { fields, prefix } of indexes) {
    // Most updates leave the indexed fields alone: compare values before encoding any key. Equal
    // scalars encode equally (0 and -0 included); equal non-scalars are both unindexed.
    if (sameFields(fields, before, after)) continue;
    const old = entryUnder(prefix, fields, key, before);
    const next = entryUnder(prefix, fields, key, after);
    if (old === next) continue;
    if (old !== undefined) await tx.delete(INDEX_TABLE, old);
    if (next !== undefined) await tx.put(INDEX_TABLE, next, 1);
  }
}

function storedValue(raw: JsonValue | undefined, where: string): JsonObject | undefined {
  return parseStoredRecord(raw, where)?.value;
}

/**
 * A writer that keeps index entries in step with the confirmed records it writes.
 *
 * Moving a record's entries needs its old value. The confirmed-record writer (digest-lanes.ts) has
 * just read it through this same writer to keep the digest lanes, so the last record row read is
 * remembered and a put or delete of that key uses it instead of reading the row again (on SQLite a
 * second query and JSON parse per record). One row is remembered, not a cache: every write of the
 * transaction goes through this writer and updates it, so it can never be stale.
 */
export function indexingWriter(tx: StoreWriter, indexes: QueryIndexes): StoreWriter {
  let lastKey: string | undefined;
  let lastRaw: JsonValue | undefined;
  const before = async (rk: string): Promise<JsonObject | undefined> => {
    const raw = rk === lastKey ? lastRaw : await tx.get(T.records, rk);
    return storedValue(raw, `records/${rk}`);
  };
  const remember = (rk: string, raw: JsonValue | undefined): void => {
    lastKey = rk;
    lastRaw = raw;
  };
  return {
    get: async (table, key) => {
      const raw = await tx.get(table, key);
      if (table === T.records) remember(key, raw);
      return raw;
    },
    scan: (table, options?: ScanOptions) => tx.scan(table, options),
    count: (table, options) => tx.count(table, options),
    put: async (table, key, value) => {
      if (table !== T.records) return tx.put(table, key, value);
      const { collection, key: k } = splitRecordKey(key);
      const list = indexes.kept(collection);
      if (list.length === 0) return tx.put(table, key, value);
      const old = await before(key);
      await tx.put(table, key, value);
      remember(key, value);
      await moveEntries(tx, list, k, old, storedValue(value, `records/${key}`));
    },
    delete: async (table, key) => {
      if (table !== T.records) return tx.delete(table, key);
      const { collection, key: k } = splitRecordKey(key);
      const list = indexes.kept(collection);
      if (list.length === 0) return tx.delete(table, key);
      const old = await before(key);
      await tx.delete(table, key);
      remember(key, undefined);
      await moveEntries(tx, list, k, old, undefined);
    },
  };
}

/**
 * Make a collection's entries match its declared indexes, rebuilding them from the confirmed
 * records when the declaration differs from what they were built for. Returns whether it rebuilt.
 */
export async function ensureIndexed(tx: StoreWriter, collection: string, indexes: readonly IndexFields[]): Promise<boolean> {
  const declared = JSON.stringify(indexes);
  const built = await tx.get(INDEX_DEFS_TABLE, collection);
  if (built !== undefined && JSON.stringify(built) === JSON.stringify({ v: 1, indexes: declared })) return false;
  const root = collection + SEP;
  for (const [k] of await tx.scan(INDEX_TABLE, { prefix: root })) await tx.delete(INDEX_TABLE, k);
  const kept = indexes.map((fields) => ({ fields, prefix: indexPrefix(collection, fields) }));
  for (const [rk, raw] of await tx.scan(T.records, { prefix: collectionPrefix(collection) })) {
    await moveEntries(tx, kept, splitRecordKey(rk).key, undefined, storedValue(raw, `records/${rk}`));
  }
  await tx.put(INDEX_DEFS_TABLE, collection, { v: 1, indexes: declared });
  return true;
}

/** Whether a collection's entries were built for exactly these indexes (read-only check). */
export async function isIndexed(tx: StoreReader, collection: string, indexes: readonly IndexFields[]): Promise<boolean> {
  const built = await tx.get(INDEX_DEFS_TABLE, collection);
  return built !== undefined && JSON.stringify(built) === JSON.stringify({ v: 1, indexes: JSON.stringify(indexes) });
}
