/** Client-side optimistic mutators for named (server-side) mutations. */
import type { JsonObject, JsonValue } from '../protocol/json.js';
import type { RecordOp } from '../protocol/record-ops.js';

/** Read access to the optimistic view, given to mutators. */
export interface ViewReader {
  get(collection: string, key: string): Promise<JsonObject | undefined>;
}

/**
 * Computes the optimistic local effects of a named mutation. It runs inside the store transaction
 * that queues the mutation, so it must await nothing but `view.get`. Throwing (ideally an
 * InvalidArgumentError) refuses the mutation before anything is queued. The ops are stored with the
 * mutation and re-applied on top of new server state until the server's own effects arrive.
 */
export type LocalMutator = (args: JsonValue, view: ViewReader) => RecordOp[] | Promise<RecordOp[]>;
