/**
 * `syncline/react-native`: a durable store on the app's own SQLite library (op-sqlite or
 * expo-sqlite, through the adapters), plus the two platform hooks a React Native app wires: NetInfo
 * for connectivity and AppState to drain when the app comes back to the foreground. See
 * docs/REACT-NATIVE.md for the whole setup.
 */
import { openSqlStore, type SqlStoreOptions } from './stores/sql-store.js';
import type { SqlDatabase } from './stores/sql-database.js';
import type { Store } from './stores/store.js';

export type { SqlDatabase, SqlParam } from './stores/sql-database.js';
export type { SqlStoreOptions } from './stores/sql-store.js';
export { fromOpSqlite, fromExpoSqlite } from './stores/sql-adapters.js';
export type { OpSqliteDatabaseLike, ExpoSqliteDatabaseLike, SqlRow } from './stores/sql-adapters.js';
export { reactNativeNetworkStatus } from './network/react-native.js';
export type { NetInfoLike, NetInfoStateLike } from './network/react-native.js';

/** Opens (creating if needed) the store on `db`; the store closes `db` when it is closed. */
export function openReactNativeStore(db: SqlDatabase, options: SqlStoreOptions = {}): Promise<Store> {
  return openSqlStore(db, { name: 'react-native', ...options });
}

/** What syncline calls on React Native's `AppState`. */
export interface AppStateLike {
  addEventListener(type: 'change', listener: (state: string) => void): { remove(): void };
}

/**
 * Sync whenever the app returns to the foreground ("active"): what was written while the OS
 * suspended the app is pushed at once instead of at the next interval. Returns the unsubscribe.
 * @example const stop = syncOnForeground(client, AppState);
 */
export function syncOnForeground(client: { sync(): { result: Promise<unknown> } }, appState: AppStateLike): () => void {
  let previous = 'active';
  const subscription = appState.addEventListener('change', (state) => {
    const returning = state === 'active' && previous !== 'active';
    previous = state;
    // A failed cycle is reported through the client's own events; nothing to add here.
    if (returning) client.sync().result.catch(() => undefined);
  });
  return () => subscription.remove();
}
