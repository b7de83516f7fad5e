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

export class QueryIndexes {
  readonly #byCollection = new Map<string, IndexFields[]>();

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
      if (indexes.length > 0) this.#byCollection.set(collection, indexes);
    }
  }

  of(collection: string): readonly IndexFields[] {
    return this.#byCollection.get(collection) ?? [];
  }

  get empty(): boolean {
    return this.#byCollection.size === 0;
  }
}

/** Where one index's entries start: `collection NUL ["f1","f2"] NUL`. */
export function indexPrefix(collection: string, fields: IndexFields): string {
  return collection + SEP + JSON.stringify(fields) + SEP;
}

/** The entry of a record in an index, or undefined when a field is not a scalar (not indexed). */
export function entryKey(collection: string, fields: IndexFields, key: string, value: JsonObject | undefined): string | undefined {
  if (value === undefined) return undefined;
  let out = indexPrefix(collection, fields);
  for (const f of fields) {
    const v: JsonValue | undefined = value[f];
    if (!isScalar(v)) return undefined;
    out += encodeScalar(v) + SEP;
  }
  return out + key;
}

async function moveEntries(tx: StoreWriter, indexes: readonly IndexFields[], collection: string, key: string, before: JsonObject | undefined, after: JsonObject | undefined): Promise<void> {
  for (const fields of indexes) {
    const old = entryKey(collection, fields, key, before);
    const next = entryKey(collection, fields, key, after);
    if (old === next) continue;
    if (old !== undefined) await tx.delete(INDEX_TABLE, old);
    if (next !== undefined) await tx.put(INDEX_TABLE, next, 1);
  }
}

function storedValue(raw: JsonValue | undefined, where: string): JsonObject | undefined {
  return parseStoredRecord(raw, where)?.value;
}

/** A writer that keeps index entries in step with the confirmed records it writes. */
export function indexingWriter(tx: StoreWriter, indexes: QueryIndexes): StoreWriter {
  const indexesOf = (table: string, rk: string) => (table === T.records ? indexes.of(splitRecordKey(rk).collection) : []);
  return {
    get: (table, key) => tx.get(table, key),
    scan: (table, options?: ScanOptions) => tx.scan(table, options),
    count: (table, options) => tx.count(table, options),
    put: async (table, key, value) => {
      const list = indexesOf(table, key);
      if (list.length === 0) return tx.put(table, key, value);
      const before = storedValue(await tx.get(table, key), `records/${key}`);
      await tx.put(table, key, value);
      const { collection, key: k } = splitRecordKey(key);
      await moveEntries(tx, list, collection, k, before, storedValue(value, `records/${key}`));
    },
    delete: async (table, key) => {
      const list = indexesOf(table, key);
      if (list.length === 0) return tx.delete(table, key);
      const before = storedValue(await tx.get(table, key), `records/${key}`);
      await tx.delete(table, key);
      const { collection, key: k } = splitRecordKey(key);
      await moveEntries(tx, list, collection, k, before, undefined);
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
  for (const [rk, raw] of await tx.scan(T.records, { prefix: collectionPrefix(collection) })) {
    await moveEntries(tx, indexes, collection, splitRecordKey(rk).key, undefined, storedValue(raw, `records/${rk}`));
  }
  await tx.put(INDEX_DEFS_TABLE, collection, { v: 1, indexes: declared });
  return true;
}

/** Whether a collection's entries were built for exactly these indexes (read-only check). */
export async function isIndexed(tx: StoreReader, collection: string, indexes: readonly IndexFields[]): Promise<boolean> {
  const built = await tx.get(INDEX_DEFS_TABLE, collection);
  return built !== undefined && JSON.stringify(built) === JSON.stringify({ v: 1, indexes: JSON.stringify(indexes) });
}
