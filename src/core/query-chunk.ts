/**
 * The lazy query chunk's one entry: the query engine, index upkeep and live queries load together
 * the first time a client queries, watches or writes with declared indexes. Load it only through
 * `loadQueryChunk` (src/core/query-load.ts), which hands it its eager dependencies first.
 */
export { provideQueryDeps } from './query-deps.js';
export { LocalQueries } from './query-host.js';
export { QueryIndexes, indexingWriter } from './query-index.js';
export { watchQuery } from './query-watch.js';
