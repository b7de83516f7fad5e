/**
 * Conflict detection for generic writes: pure functions over the write and the record as the server
 * holds it, so the rules can be read (and tested) without a database.
 */
import { jsonEqual, type JsonObject } from '../../protocol/json.js';

/** A generic write as the server sees it, with its (client or server-assigned) HLC stamp. */
export type GenericWrite =
  | { op: 'put'; collection: string; key: string; value: JsonObject; baseVersion: number | null; hlc: string }
  | { op: 'patch'; collection: string; key: string; fields: JsonObject; expected: JsonObject; baseVersion: number | null; hlc: string }
  | { op: 'delete'; collection: string; key: string; baseVersion: number | null; hlc: string };

/** Who last wrote the record and when, as far as the server knows. */
export interface RecordClock {
  /** Client id of the last generic writer; undefined when unknown (e.g. written by a named mutation). */
  writer: string | undefined;
  /** The record's stamp; undefined when unknown. */
  hlc: string | undefined;
  /** Stamps of fields patched since the last whole-record write. */
  fields: Record<string, string>;
}

export interface RecordState {
  /** The live value; undefined when absent or deleted. */
  value: JsonObject | undefined;
  /** Version of the last write (a tombstone keeps its deletion version); 0 when it never existed. */
  version: number;
  clock: RecordClock;
}

export type Detection = { conflict: false } | { conflict: true; fields: string[] | undefined };

const NO_CONFLICT: Detection = { conflict: false };

export function detectConflict(write: GenericWrite, state: RecordState, clientId: string): Detection {
  if (write.op === 'patch') return detectPatchConflict(write, state);
  // The client's own previous write is not a conflict: its writes reach the server in order.
  if (state.clock.writer === clientId) return NO_CONFLICT;
  if (state.value === undefined) {
    // Absent now: a delete agrees; a put conflicts only if the client saw the record alive before
    // it was deleted (a put with base null onto a tombstone is a fresh create).
    if (write.op === 'delete' || state.version === 0) return NO_CONFLICT;
    return write.baseVersion !== null && write.baseVersion < state.version ? { conflict: true, fields: undefined } : NO_CONFLICT;
  }
  return write.baseVersion === null || write.baseVersion < state.version ? { conflict: true, fields: undefined } : NO_CONFLICT;
}

/** A patch conflicts on each field whose current value is not the one the client expected. */
function detectPatchConflict(write: Extract<GenericWrite, { op: 'patch' }>, state: RecordState): Detection {
  const fields = Object.keys(write.fields).filter((f) => !jsonEqual(write.expected[f] ?? null, state.value?.[f] ?? null));
  return fields.length === 0 ? NO_CONFLICT : { conflict: true, fields };
}

/** The client's confirmed state held the record exactly as it is now: its write causally follows it. */
export function clientObserved(write: GenericWrite, state: RecordState): boolean {
  return write.baseVersion !== null && write.baseVersion >= state.version;
}

/** The stamp a field carries now: its own since the last put, else the record's. */
export function fieldStamp(clock: RecordClock, field: string): string | undefined {
  return clock.fields[field] ?? clock.hlc;
}

/** Whether the client's stamp is later than the server's (an unknown server stamp loses). */
export function clientIsLater(clientHlc: string, serverHlc: string | undefined): boolean {
  return serverHlc === undefined || clientHlc > serverHlc;
}
