/**
 * Adapters from React Native's SQLite libraries to `SqlDatabase`. They are typed structurally (only
 * the methods syncline calls), so neither library is a dependency of syncline.
 */
import type { SqlDatabase, SqlParam } from './sql-database.js';

/** A result row as the libraries return it: column name → value. */
export type SqlRow = Record<string, unknown>;
type Row = SqlRow;

/** What syncline calls on an op-sqlite database (`open({ name })` from `@op-engineering/op-sqlite`). */
export interface OpSqliteDatabaseLike {
  execute(sql: string, params?: SqlParam[]): Promise<{ rows?: Row[] | { _array?: Row[] } | undefined }>;
  close(): void | Promise<void>;
}

/** What syncline calls on an expo-sqlite database (`await openDatabaseAsync(name)` from `expo-sqlite`). */
export interface ExpoSqliteDatabaseLike {
  getAllAsync(sql: string, params: SqlParam[]): Promise<unknown[]>;
  closeAsync(): Promise<void>;
}

/**
 * @example
 * import { open } from '@op-engineering/op-sqlite';
 * const store = await openReactNativeStore(fromOpSqlite(open({ name: 'syncline.db' })));
 */
export function fromOpSqlite(db: OpSqliteDatabaseLike): SqlDatabase {
  return {
    async execute(sql, params = []) {
      const { rows } = await db.execute(sql, [...params]);
      // op-sqlite before v9 returned rows as `{ _array }`; later versions return the array.
      if (rows === undefined) return [];
      return Array.isArray(rows) ? rows : (rows._array ?? []);
    },
    async close() {
      await db.close();
    },
  };
}

/**
 * @example
 * import { openDatabaseAsync } from 'expo-sqlite';
 * const store = await openReactNativeStore(fromExpoSqlite(await openDatabaseAsync('syncline.db')));
 */
export function fromExpoSqlite(db: ExpoSqliteDatabaseLike): SqlDatabase {
  return {
    async execute(sql, params = []) {
      return (await db.getAllAsync(sql, [...params])) as Row[];
    },
    close: () => db.closeAsync(),
  };
}
