/**
 * The local store seam: a small transactional key-value store with named tables and ordered keys.
 * The client keeps everything durable in it: confirmed records, the outbox, the optimistic overlay,
 * cursors and identity. Implementations: `createMemoryStore` (tests, ephemeral), `SqliteStore`
 * (Node, better-sqlite3 + WAL, `syncline/sqlite`). Third parties check theirs with
 * `runStoreConformance` from `syncline/testing`.
 *
 * ## Contract
 * 1. **Atomicity.** `write(fn)` applies all of fn's puts and deletes or none of them. If fn throws or
 *    rejects, nothing it wrote is visible to anyone, and `write` rejects with that error.
 * 2. **Isolation.** Write transactions on one database are serialised — across every `Store` instance
 *    and process that opens the same database, not just within this object. A transaction reads its
 *    own writes. `read(fn)` sees a consistent snapshot: either all of a write transaction or none.
 * 3. **Durability.** Once `write` resolves, its effects survive the process being killed (SIGKILL) at
 *    any later instant. (Whether they survive power loss is the implementation's documented choice.)
 * 4. **Ordering.** `scan` returns entries of one table in ascending code-unit order of their keys
 *    (JavaScript string comparison), or descending with `reverse`. Callers encode numbers with fixed
 *    width (`encodeSeq`) to get numeric order.
 * 5. **Values** are JSON values. What `get` returns equals (structurally) what was `put`; the caller
 *    owns the returned object and may mutate it without affecting the store.
 * 6. **Transaction bodies** must await only the transaction's own methods (IndexedDB commits a
 *    transaction as soon as it has no pending request). A transaction object must not be used after
 *    its `fn` has settled; doing so throws.
 * 7. **close()** waits for running transactions, then releases every handle; later calls reject with
 *    `ClosedError`. Closing twice is harmless.
 */
import type { JsonValue } from '../protocol/json.js';

/** Names of tables a store must provide. Implementations may create them lazily. */
export type TableName = string;

export interface ScanOptions {
  /** Only keys starting with this prefix. */
  prefix?: string;
  /** Only keys >= this (after `prefix` filtering). */
  start?: string;
  /** Only keys < this. */
  end?: string;
  /** Maximum number of entries. */
  limit?: number;
  /** Descending key order. */
  reverse?: boolean;
}

export interface StoreReader {
  get(table: TableName, key: string): Promise<JsonValue | undefined>;
  scan(table: TableName, options?: ScanOptions): Promise<Array<[key: string, value: JsonValue]>>;
  count(table: TableName, options?: Pick<ScanOptions, 'prefix'>): Promise<number>;
}

export interface StoreWriter extends StoreReader {
  put(table: TableName, key: string, value: JsonValue): Promise<void>;
  delete(table: TableName, key: string): Promise<void>;
}

export interface Store {
  /** Human-readable kind, e.g. "memory" or "sqlite:/path/to/file". Used in logs and errors. */
  readonly name: string;
  read<T>(fn: (tx: StoreReader) => Promise<T>): Promise<T>;
  write<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Fixed-width decimal encoding so that numeric order equals string order (up to 2^53). */
export function encodeSeq(n: number): string {
  return n.toString().padStart(16, '0');
}

export function decodeSeq(s: string): number {
  return Number.parseInt(s, 10);
}
