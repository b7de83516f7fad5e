/** `syncline/sqlite`: the durable Node store on better-sqlite3 (an optional peer dependency). */
export { openSqliteStore } from './stores/sqlite-store.js';
export type { SqliteStoreOptions } from './stores/sqlite-store.js';
