/**
 * The smallest SQLite interface a durable store needs, for platforms where SQLite is reached
 * asynchronously (React Native's op-sqlite and expo-sqlite, both through small adapters in
 * sql-adapters.ts) rather than through better-sqlite3.
 *
 * ## Contract
 * 1. `execute(sql, params)` runs exactly one statement with positional `?` parameters (strings,
 *    finite numbers, null) on ONE connection, and resolves with the rows as objects keyed by column
 *    name (an empty array for statements that return none). It rejects with the driver's error,
 *    whose `code` or message names SQLITE_BUSY when another connection holds the lock.
 * 2. Statements run in the order they were called; the store never calls `execute` again before
 *    the previous call settled, so an implementation need not queue.
 * 3. `BEGIN IMMEDIATE`, `BEGIN`, `COMMIT` and `ROLLBACK` passed through `execute` control that one
 *    connection's transaction (no implicit transactions around them; no pooling behind them).
 * 4. `close()` releases the connection; nothing is called afterwards.
 */
export type SqlParam = string | number | null;

export interface SqlDatabase {
  execute(sql: string, params?: readonly SqlParam[]): Promise<ReadonlyArray<Record<string, unknown>>>;
  close(): Promise<void>;
}
