/**
 * Loads the lazy query chunk (src/core/query-chunk.ts) and hands it the eager code it uses (see
 * src/core/query-deps.ts for why it is handed over instead of imported).
 */
import { InvalidArgumentError } from './errors.js';
import { collectionPrefix, parseOverlayRow, parseStoredRecord, recordKey, splitRecordKey, T } from './local-schema.js';
import { listView } from './local-view.js';
import type * as QueryChunkModule from './query-chunk.js';

export type QueryChunk = typeof QueryChunkModule;

export async function loadQueryChunk(): Promise<QueryChunk> {
  const chunk = await import('./query-chunk.js');
  chunk.provideQueryDeps({ InvalidArgumentError, T, collectionPrefix, recordKey, splitRecordKey, parseStoredRecord, parseOverlayRow, listView });
  return chunk;
}
