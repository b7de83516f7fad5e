/**
 * The client's store with query-index maintenance, loaded only when the app declares indexes: the
 * maintenance code (src/core/query-index.ts) is a lazy chunk, so a web client without indexes does
 * not carry it. Loading happens before the first write transaction; every later one wraps at once.
 */
import type { Store, StoreWriter } from '../stores/store.js';
import type { IndexDeclarations } from './query-index.js';
import { loadQueryChunk } from './query-load.js';

export function withQueryIndexes(store: Store, declared: IndexDeclarations | undefined): Store {
  if (declared === undefined || Object.keys(declared).length === 0) return store;
  let loading: Promise<(tx: StoreWriter) => StoreWriter> | undefined;
  const writer = () =>
    (loading ??= loadQueryChunk().then((m) => {
      const indexes = new m.QueryIndexes(declared);
      return (tx: StoreWriter) => m.indexingWriter(tx, indexes);
    }));
  return {
    get name() {
      return store.name;
    },
    read: (fn) => store.read(fn),
    write: async (fn) => {
      const wrap = await writer();
      return store.write((tx) => fn(wrap(tx)));
    },
    close: () => store.close(),
  };
}
