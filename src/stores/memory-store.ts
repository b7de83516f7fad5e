/**
 * An ephemeral, in-process `Store` for tests and for platforms without persistent storage. Each
 * instance is its own database: nothing is shared between instances, nothing survives the process.
 *
 * Writes are serialised by an async mutex and collect their changes privately; a commit applies them
 * in one synchronous step. Reads never wait: each pins the committed tables it started with, and a
 * commit that touches a pinned table clones it first (copy-on-write), so a read sees exactly the
 * commits that finished before it began. Values are deep-copied on the way in and out
 * (see json-copy.ts). A write body must not await another write of the same store (it would wait
 * for itself).
 */
import { Mutex } from '../core/mutex.js';
import type { JsonValue } from '../protocol/json.js';
import { assertTableAndKey, inRange, keyRange, scanLimit, type KeyRange } from './key-range.js';
import { copyJsonIn, copyJsonOut } from './json-copy.js';
import { DELETED, MemoryTable, type Change } from './memory-table.js';
import { CloseGate, TxScope } from './store-lifecycle.js';
import type { ScanOptions, Store, StoreReader, StoreWriter, TableName } from './store.js';

export interface MemoryStoreOptions {
  /** Shown in logs and errors; default "memory". */
  name?: string;
}

export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  return new MemoryStore(options.name ?? 'memory');
}

type Entry = [key: string, value: JsonValue];
type Tables = Map<TableName, MemoryTable>;

class MemoryStore implements Store {
  readonly name: string;
  #tables: Tables = new Map();
  readonly #writeLock = new Mutex();
  readonly #gate = new CloseGate();

  constructor(name: string) {
    this.name = name;
  }

  read<T>(fn: (tx: StoreReader) => Promise<T>): Promise<T> {
    return this.#gate.run(async () => {
      const snapshot = new Map(this.#tables);
      for (const table of snapshot.values()) table.pins++;
      const scope = new TxScope();
      try {
        return await fn(new SnapshotReader(snapshot, scope));
      } finally {
        scope.end();
        for (const table of snapshot.values()) table.pins--;
      }
    });
  }

  write<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
    return this.#gate.run(() =>
      this.#writeLock.run(async () => {
        const scope = new TxScope();
        const tx = new MemoryWriter(this.#tables, scope);
        try {
          const result = await fn(tx);
          scope.end();
          this.#commit(tx.changes);
          return result;
        } finally {
          scope.end();
        }
      }),
    );
  }

  close(): Promise<void> {
    return this.#gate.close(() => {
      this.#tables = new Map();
    });
  }

  #commit(changes: ReadonlyMap<TableName, ReadonlyMap<string, Change>>): void {
    for (const [name, tableChanges] of changes) {
      let table = this.#tables.get(name);
      if (table === undefined || table.pins > 0) {
        table = table?.clone() ?? new MemoryTable();
        this.#tables.set(name, table);
      }
      table.apply(tableChanges);
    }
  }
}

class SnapshotReader implements StoreReader {
  readonly #tables: Tables;
  readonly #scope: TxScope;

  constructor(tables: Tables, scope: TxScope) {
    this.#tables = tables;
    this.#scope = scope;
  }

  async get(table: TableName, key: string): Promise<JsonValue | undefined> {
    this.#scope.assertOpen();
    assertTableAndKey(table, key);
    const value = this.#tables.get(table)?.values.get(key);
    return value === undefined ? undefined : copyJsonOut(value);
  }

  async scan(table: TableName, options: ScanOptions = {}): Promise<Entry[]> {
    this.#scope.assertOpen();
    const range = keyRange(options);
    const limit = scanLimit(options);
    const source = this.#tables.get(table);
    if (range === undefined || limit === 0 || source === undefined) return [];
    const out: Entry[] = [];
    for (const key of source.keysIn(range, options.reverse === true)) {
      out.push([key, copyJsonOut(source.values.get(key) as JsonValue)]);
      if (out.length >= limit) break;
    }
    return out;
  }

  async count(table: TableName, options: Pick<ScanOptions, 'prefix'> = {}): Promise<number> {
    this.#scope.assertOpen();
    const range = keyRange(options);
    return range === undefined ? 0 : (this.#tables.get(table)?.countIn(range) ?? 0);
  }
}

/** Reads the committed tables through its own uncommitted changes. */
class MemoryWriter implements StoreWriter {
  readonly changes = new Map<TableName, Map<string, Change>>();
  readonly #tables: Tables;
  readonly #scope: TxScope;

  constructor(tables: Tables, scope: TxScope) {
    this.#tables = tables;
    this.#scope = scope;
  }

  async get(table: TableName, key: string): Promise<JsonValue | undefined> {
    this.#scope.assertOpen();
    assertTableAndKey(table, key);
    const change = this.changes.get(table)?.get(key);
    const value = change === undefined ? this.#tables.get(table)?.values.get(key) : change;
    return value === undefined || value === DELETED ? undefined : copyJsonOut(value);
  }

  async put(table: TableName, key: string, value: JsonValue): Promise<void> {
    this.#scope.assertOpen();
    assertTableAndKey(table, key);
    this.#changesOf(table).set(key, copyJsonIn(value, `${table}/${key}`));
  }

  async delete(table: TableName, key: string): Promise<void> {
    this.#scope.assertOpen();
    assertTableAndKey(table, key);
    this.#changesOf(table).set(key, DELETED);
  }

  async scan(table: TableName, options: ScanOptions = {}): Promise<Entry[]> {
    this.#scope.assertOpen();
    const range = keyRange(options);
    const limit = scanLimit(options);
    if (range === undefined || limit === 0) return [];
    const reverse = options.reverse === true;
    const base = this.#tables.get(table);
    const pending = this.changes.get(table);
    const baseKeys = base?.keysIn(range, reverse) ?? [][Symbol.iterator]();
    const out: Entry[] = [];
    for (const key of mergeKeys(baseKeys, pendingKeysIn(pending, range, reverse), reverse)) {
      const change = pending?.get(key);
      const value = change === undefined ? base?.values.get(key) : change;
      if (value === undefined || value === DELETED) continue;
      out.push([key, copyJsonOut(value)]);
      if (out.length >= limit) break;
    }
    return out;
  }

  async count(table: TableName, options: Pick<ScanOptions, 'prefix'> = {}): Promise<number> {
    this.#scope.assertOpen();
    const range = keyRange(options);
    if (range === undefined) return 0;
    const base = this.#tables.get(table);
    let n = base?.countIn(range) ?? 0;
    for (const [key, change] of this.changes.get(table) ?? []) {
      if (!inRange(key, range)) continue;
      const existed = base?.values.has(key) ?? false;
      if (change === DELETED && existed) n--;
      else if (change !== DELETED && !existed) n++;
    }
    return n;
  }

  #changesOf(table: TableName): Map<string, Change> {
    let changes = this.changes.get(table);
    if (changes === undefined) {
      changes = new Map();
      this.changes.set(table, changes);
    }
    return changes;
  }
}

function pendingKeysIn(pending: Map<string, Change> | undefined, range: KeyRange, reverse: boolean): string[] {
  if (pending === undefined) return [];
  const keys = [...pending.keys()].filter((key) => inRange(key, range)).sort();
  return reverse ? keys.reverse() : keys;
}

/** Union of two key sequences sorted in the same direction, without duplicates. */
function* mergeKeys(base: Iterator<string>, pending: readonly string[], reverse: boolean): Generator<string> {
  const before = (a: string, b: string): boolean => (reverse ? a > b : a < b);
  let next = base.next();
  let j = 0;
  while (!next.done || j < pending.length) {
    const other = pending[j];
    if (other === undefined || (!next.done && before(next.value, other))) {
      yield next.value as string;
      next = base.next();
      continue;
    }
    if (!next.done && next.value === other) next = base.next();
    j++;
    yield other;
  }
}
