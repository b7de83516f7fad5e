/** `useRecord(collection, key)`: one record as this client sees it, kept current. */
import { useMemo, useSyncExternalStore } from 'react';
import type { SynclineClient } from '../core/client.js';
import type { Collection } from '../core/collection.js';
import type { JsonObject } from '../protocol/json.js';
import { useSyncline } from './context.js';
import { loading, type Loadable } from './loadable.js';
import { sharedRead } from './shared-reads.js';
import type { LiveRead } from './live-read.js';

/** A collection by name, or a typed `client.collection<R>(name)` (its record type then flows through). */
export type CollectionRef<R extends JsonObject> = string | Collection<R>;

export const collectionName = (ref: CollectionRef<JsonObject>): string => (typeof ref === 'string' ? ref : ref.name);

/**
 * The record `key` of `collection` from the optimistic view (pending local writes included): `data`
 * is undefined when there is no such record. Re-read after every local write, pull, rollback or other
 * tab's change that touches this record. While server-rendering, and until the first read finished,
 * the state is `{ status: 'loading' }` — also right after `key` changes: the previous key's record is
 * never shown for the new key.
 *
 * @example
 * const { status, data } = useRecord(client.collection<Product>('products'), id);
 */
export function useRecord<R extends JsonObject = JsonObject>(collection: CollectionRef<R>, key: string): Loadable<R | undefined> {
  const client = useSyncline();
  const name = collectionName(collection);
  const live = useMemo(() => recordRead<R>(client, name, key), [client, name, key]);
  return useSyncExternalStore(live.subscribe, live.getSnapshot, loading);
}

function recordRead<R extends JsonObject>(client: SynclineClient, name: string, key: string): LiveRead<R | undefined> {
  const records = client.collection<R>(name); // validates the name here, in render
  return sharedRead(client, `record\u0000${name}\u0000${key}`, () => ({
    read: () => records.get(key),
    watch: (onChange) =>
      client.subscribe((event) => {
        if (event.type === 'records.changed' && event.changes.some((c) => c.collection === name && c.keys.includes(key))) onChange();
      }),
  }));
}
