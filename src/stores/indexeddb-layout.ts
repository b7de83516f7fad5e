/**
 * The IndexedDB store's current layout (store format 2), apart from the migrations that lead to it
 * (migrations/indexeddb-migrations.ts, loaded only when a database needs them): the web client's
 * bundle carries just these names.
 */
export const IDB_STORE_FORMAT = 2;
/** The one object store: rows `{ t: table, k: key, v: value }`, keyed in-line by [t, k]. */
export const ENTRIES = 'entries';
export const ENTRY_KEY_PATH = ['t', 'k'];
