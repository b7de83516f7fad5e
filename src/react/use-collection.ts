/** `useCollection(collection, select?)`: every record of a collection, kept current. */
import { useMemo, useSyncExternalStore } from 'react';
import type { SynclineClient } from '../core/client.js';
import type { JsonObject } from '../protocol/json.js';
import { useSyncline } from './context.js';
import { loading, type Loadable } from './loadable.js';
import type { LiveRead } from './live-read.js';
import { sharedRead } from './shared-reads.js';
import { collectionName, type CollectionRef } from './use-record.js';

export interface RecordEntry<R extends JsonObject> {
  key: string;
  value: R;
}

/**
 * Every record of `collection` in key order, from the optimistic view (pending local writes
 * included). The client has no query API yet, so narrowing and ordering happen in JavaScript:
 * `select` receives the whole list and returns what the component shows (a filter, a sort, a count).
 * Each change to the collection re-reads all of it from the store and runs `select` again; pass a
 * stable function (module-level, or `useCallback`) so it does not also run on every render. The
 * snapshot is stable: the same object until the collection (or `select`) changed.
 *
 * @example
 * const byName = (rows: RecordEntry<Product>[]) => rows.filter((r) => r.value.stock > 0).sort((a, b) => a.value.name.localeCompare(b.value.name));
 * const { data } = useCollection<Product>('products', byName);
 */
export function useCollection<R extends JsonObject = JsonObject>(collection: CollectionRef<R>): Loadable<Array<RecordEntry<R>>>;
export function useCollection<R extends JsonObject = JsonObject, S = Array<RecordEntry<R>>>(collection: CollectionRef<R>, select: (rows: Array<RecordEntry<R>>) => S): Loadable<S>;
export function useCollection<R extends JsonObject, S>(collection: CollectionRef<R>, select?: (rows: Array<RecordEntry<R>>) => S): Loadable<S | Array<RecordEntry<R>>> {
  const client = useSyncline();
  const name = collectionName(collection);
  const live = useMemo(() => collectionRead<R>(client, name), [client, name]);
  const rows = useSyncExternalStore(live.subscribe, live.getSnapshot, loading);
  return useMemo(() => (select === undefined || rows.data === undefined ? rows : { ...rows, data: select(rows.data) }), [rows, select]) as Loadable<S | Array<RecordEntry<R>>>;
}

function collectionRead<R extends JsonObject>(client: SynclineClient, name: string): LiveRead<Array<RecordEntry<R>>> {
  const records = client.collection<R>(name);
  return sharedRead(client, `collection\u0000${name}`, () => ({
    read: () => records.list(),
    watch: (onChange) =>
      client.subscribe((event) => {
        if (event.type === 'records.changed' && event.changes.some((c) => c.collection === name)) onChange();
      }),
  }));
}
