/**
 * Live queries. A watch hears the records-changed events of its own collection only (one event per
 * store transaction: a local write, a pull page, a rebase after a push), re-runs its query, and
 * calls the listener when the answer differs from the last one it delivered — compared by content
 * with object keys sorted, so a record confirmed with its keys in another order is no change.
 *
 * Re-running is skipped when a change cannot affect the answer: none of the changed records is in
 * it, none of them matches the query now, and the answer had no next page (so every record that
 * matched before is in it). That costs one `get` per changed record, so it is tried only for small
 * changes; larger ones just re-run.
 */
import type { JsonObject, JsonValue } from '../protocol/json.js';
import { matches, normalizeQuery, type NormalQuery, type Query, type QueryPage } from './query-types.js';

const SMALL_CHANGE = 32;

export interface WatchSource {
  run(query: Query): Promise<QueryPage<JsonObject>>;
  read(key: string): Promise<JsonObject | undefined>;
  subscribe(listener: (keys: readonly string[]) => void): () => void;
  onError(error: unknown): void;
}

export function watchQuery<T>(source: WatchSource, query: Query, listener: (page: QueryPage<T>) => void): () => void {
  const normal: NormalQuery = normalizeQuery(query); // throws at once on a bad query
  let last: QueryPage<JsonObject> | undefined;
  let lastText = '';
  let stopped = false;
  let running = false;
  let pending: Array<readonly string[]> | 'all' = 'all';

  const irrelevant = async (keys: readonly string[]): Promise<boolean> => {
    if (last === undefined || last.next !== undefined || keys.length > SMALL_CHANGE) return false;
    const shown = new Set(last.records.map((r) => r.key));
    for (const key of keys) {
      if (shown.has(key)) return false;
      const now = await source.read(key);
      if (now !== undefined && matches(now, normal.conditions)) return false;
    }
    return true;
  };

  const pump = async (): Promise<void> => {
    running = true;
    try {
      while (!stopped && (pending === 'all' || pending.length > 0)) {
        const batch = pending;
        pending = [];
        if (batch !== 'all' && (await irrelevant(batch.flat()))) continue;
        const page = await source.run(query);
        const text = canonical(page as unknown as JsonValue);
        if (stopped || (last !== undefined && text === lastText)) continue;
        last = page;
        lastText = text;
        listener(page as QueryPage<T>);
      }
    } catch (error) {
      source.onError(error);
    } finally {
      running = false;
    }
  };

  const unsubscribe = source.subscribe((keys) => {
    if (pending !== 'all') pending.push(keys);
    if (!running) void pump();
  });
  void pump();
  return () => {
    stopped = true;
    unsubscribe();
  };
}

/** JSON with object keys sorted (undefined fields dropped), for comparing answers by content. */
function canonical(value: JsonValue | undefined): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v)).join(',')}]`;
  const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
}
