/** `useQuery(collection, query)`: one page of a local query, kept current by a live query. */
import { useMemo, useSyncExternalStore } from 'react';
import type { SynclineClient } from '../core/client.js';
import type { Query, QueryPage } from '../core/query-types.js';
import type { JsonObject } from '../protocol/json.js';
import { useSyncline } from './context.js';
import { loading, type Loadable } from './loadable.js';
import type { LiveRead } from './live-read.js';
import { sharedRead } from './shared-reads.js';
import { collectionName, type CollectionRef } from './use-record.js';

/**
 * The page `collection.query(query)` answers, from the optimistic view, re-read only when a change
 * can affect it (see `Collection.watch`). The query is compared by content, so an inline object
 * literal is fine. The snapshot is stable until the answer changed.
 *
 * @example
 * const { data } = useQuery<Receipt>('receipts', { where: { issuedAt: { gte: startOfDay } }, orderBy: { field: 'issuedAt', direction: 'desc' }, limit: 50 });
 */
export function useQuery<R extends JsonObject = JsonObject>(collection: CollectionRef<R>, query: Query): Loadable<QueryPage<R>> {
  const client = useSyncline();
  const name = collectionName(collection);
  const text = JSON.stringify(query);
  const live = useMemo(() => queryRead<R>(client, name, JSON.parse(text) as Query), [client, name, text]);
  return useSyncExternalStore(live.subscribe, live.getSnapshot, loading);
}

function queryRead<R extends JsonObject>(client: SynclineClient, name: string, query: Query): LiveRead<QueryPage<R>> {
  const records = client.collection<R>(name);
  return sharedRead(client, `query\u0000${name}\u0000${JSON.stringify(query)}`, () => {
    // The live query runs the query itself; the read hands its latest answer over instead of re-running.
    let latest: QueryPage<R> | undefined;
    return {
      read: () => (latest === undefined ? records.query(query) : Promise.resolve(latest)),
      watch: (onChange) => {
        latest = undefined;
        return records.watch(query, (page) => {
          latest = page;
          onChange();
        });
      },
    };
  });
}
