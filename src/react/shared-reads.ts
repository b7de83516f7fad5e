/**
 * Live reads shared per client: every component showing the same record (or collection, or outbox)
 * reads one `LiveRead`, so they all show the same snapshot in the same commit and a change costs one
 * store read, not one per component. An entry leaves the map when its last subscriber unsubscribes;
 * a component that re-subscribes to it later (StrictMode's mount-unmount-mount) puts it back if no
 * other read took its place.
 */
import type { SynclineClient } from '../core/client.js';
import { LiveRead, type LiveReadSource } from './live-read.js';

const byClient = new WeakMap<SynclineClient, Map<string, LiveRead<unknown>>>();

export function sharedRead<T>(client: SynclineClient, id: string, source: () => LiveReadSource<T>): LiveRead<T> {
  let reads = byClient.get(client);
  if (reads === undefined) {
    reads = new Map();
    byClient.set(client, reads);
  }
  const existing = reads.get(id);
  if (existing !== undefined) return existing as LiveRead<T>;
  const map = reads;
  const read: LiveRead<T> = new LiveRead(source(), {
    onActive: () => {
      if (!map.has(id)) map.set(id, read as LiveRead<unknown>);
    },
    onIdle: () => {
      if (map.get(id) === read) map.delete(id);
    },
  });
  map.set(id, read as LiveRead<unknown>);
  return read;
}
