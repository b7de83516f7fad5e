/**
 * The client's query service: picks an index for each query, makes sure the collection's entries
 * were built for the declared indexes (once per client and collection), and counts the queries no
 * index covered (`client.metrics().queryScans`), so an app can see which screens still scan.
 */
import type { JsonObject } from '../protocol/json.js';
import type { Store } from '../stores/store.js';
import { planQuery, runIndexed, runScan } from './query-engine.js';
import { ensureIndexed, QueryIndexes, type IndexDeclarations } from './query-index.js';
import { normalizeQuery, type Query, type QueryPage } from './query-types.js';

export interface QueryMetrics {
  /** Queries answered by filtering the whole collection because no declared index covered them. */
  queryScans: number;
  /** Queries answered from an index (or, key-ordered without conditions, the records table). */
  queryIndexed: number;
}

export class LocalQueries {
  readonly indexes: QueryIndexes;
  readonly #ensured = new Set<string>();
  readonly #metrics: QueryMetrics;

  /** `metrics` is the client's counter object, counted into here. */
  constructor(declared: IndexDeclarations | undefined, metrics: QueryMetrics = { queryScans: 0, queryIndexed: 0 }) {
    this.indexes = new QueryIndexes(declared);
    this.#metrics = metrics;
  }

  metrics(): QueryMetrics {
    return { ...this.#metrics };
  }

  async run(store: Store, collection: string, query: Query): Promise<QueryPage<JsonObject>> {
    const q = normalizeQuery(query);
    const indexes = this.indexes.of(collection);
    const plan = planQuery(collection, q, indexes);
    if (plan === undefined) {
      this.#metrics.queryScans++;
      return store.read((tx) => runScan(tx, collection, q));
    }
    if (indexes.length > 0 && !this.#ensured.has(collection)) {
      await store.write((tx) => ensureIndexed(tx, collection, indexes));
      this.#ensured.add(collection);
    }
    this.#metrics.queryIndexed++;
    return store.read((tx) => runIndexed(tx, collection, q, plan));
  }
}
