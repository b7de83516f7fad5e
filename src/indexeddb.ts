/** `syncline/indexeddb`: the browser store (needs the `idb` package). */
export { openIndexedDbStore } from './stores/indexeddb-store.js';
export type { IndexedDbStoreOptions } from './stores/indexeddb-store.js';
