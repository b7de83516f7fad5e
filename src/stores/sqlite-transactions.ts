/** The transaction objects handed to `read`/`write` bodies of the SQLite store. */
import type { JsonValue } from '../protocol/json.js';
import { assertTableAndKey, keyRange, scanLimit } from './key-range.js';
import type { ReadStatements, WriteStatements } from './sqlite-statements.js';
import type { TxScope } from './store-lifecycle.js';
import type { ScanOptions, StoreReader, StoreWriter, TableName } from './store.js';

type Entry = [key: string, value: JsonValue];
/** Turns anything SQLite throws into a SynclineError. */
export type FailureMapper = (error: unknown) => Error;

export class SqliteReader<S extends ReadStatements = ReadStatements> implements StoreReader {
  protected readonly ops: S;
  protected readonly scope: TxScope;
  protected readonly fail: FailureMapper;

  constructor(ops: S, scope: TxScope, fail: FailureMapper) {
    this.ops = ops;
    this.scope = scope;
    this.fail = fail;
  }

  async get(table: TableName, key: string): Promise<JsonValue | undefined> {
    this.scope.assertOpen();
    assertTableAndKey(table, key);
    try {
      return this.ops.get(table, key);
    } catch (error) {
      throw this.fail(error);
    }
  }

  async scan(table: TableName, options: ScanOptions = {}): Promise<Entry[]> {
    this.scope.assertOpen();
    const range = keyRange(options);
    const limit = scanLimit(options);
    if (range === undefined || limit === 0) return [];
    try {
      return this.ops.scan(table, range, limit, options.reverse === true);
    } catch (error) {
      throw this.fail(error);
    }
  }

  async count(table: TableName, options: Pick<ScanOptions, 'prefix'> = {}): Promise<number> {
    this.scope.assertOpen();
    const range = keyRange(options);
    if (range === undefined) return 0;
    try {
      return this.ops.count(table, range);
    } catch (error) {
      throw this.fail(error);
    }
  }
}

export class SqliteWriter extends SqliteReader<WriteStatements> implements StoreWriter {
  async put(table: TableName, key: string, value: JsonValue): Promise<void> {
    this.scope.assertOpen();
    assertTableAndKey(table, key);
    try {
      this.ops.put(table, key, value);
    } catch (error) {
      throw this.fail(error);
    }
  }

  async delete(table: TableName, key: string): Promise<void> {
    this.scope.assertOpen();
    assertTableAndKey(table, key);
    try {
      this.ops.delete(table, key);
    } catch (error) {
      throw this.fail(error);
    }
  }
}
