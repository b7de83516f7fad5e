/**
 * What the lazy query chunk uses from the client's eager code, handed to it as it loads
 * (src/core/query-load.ts) rather than imported. A lazy module that statically imports an eager one
 * makes esbuild move that module, and everything it imports, out of the entry into a shared chunk
 * of its own: errors, the local schema with the wire shapes, and the local view became three extra
 * chunks on the web client's first load, each gzipped alone — 2.2 kB of the 30 kB budget
 * (test/bundle/client-size.test.ts). Only this module's bindings cross over, so the query modules
 * import these names from here. They are the eager modules' own exports (the same classes and pure
 * functions every client shares), set before any query code runs.
 */
import type * as Errors from './errors.js';
import type * as Schema from './local-schema.js';
import type * as View from './local-view.js';

export interface QueryDeps {
  InvalidArgumentError: typeof Errors.InvalidArgumentError;
  T: typeof Schema.T;
  collectionPrefix: typeof Schema.collectionPrefix;
  recordKey: typeof Schema.recordKey;
  splitRecordKey: typeof Schema.splitRecordKey;
  parseStoredRecord: typeof Schema.parseStoredRecord;
  parseOverlayRow: typeof Schema.parseOverlayRow;
  listView: typeof View.listView;
}

export let InvalidArgumentError: QueryDeps['InvalidArgumentError'];
export let T: QueryDeps['T'];
export let collectionPrefix: QueryDeps['collectionPrefix'];
export let recordKey: QueryDeps['recordKey'];
export let splitRecordKey: QueryDeps['splitRecordKey'];
export let parseStoredRecord: QueryDeps['parseStoredRecord'];
export let parseOverlayRow: QueryDeps['parseOverlayRow'];
export let listView: QueryDeps['listView'];

/** Called by the loader before the chunk's code is used; idempotent (always the same values). */
export function provideQueryDeps(deps: QueryDeps): void {
  ({ InvalidArgumentError, T, collectionPrefix, recordKey, splitRecordKey, parseStoredRecord, parseOverlayRow, listView } = deps);
}
