/** Tables of conflict handling (migration 0003_conflicts), as kysely types. Portable SQLite/PostgreSQL. */

/**
 * Who last wrote a record through the generic mutations, and with which hybrid-logical-clock stamps.
 * Valid only while `version` equals the record's version: a named mutation that writes the record
 * afterwards leaves a stale row, which then counts as "writer and stamps unknown".
 */
export interface RecordClocksTable {
  scope: string;
  collection: string;
  key: string;
  /** The record version this row describes. */
  version: number;
  /** Client id of the last generic writer. */
  writer: string;
  /** The record's stamp: the latest stamp of any write that took effect on it. */
  hlc: string;
  /** JSON object field → stamp, for fields patched after the last put (others use `hlc`). */
  fields: string;
}

/** The audit trail: one row per detected conflict and its resolution. */
export interface ConflictsTable {
  scope: string;
  /** 1, 2, 3, … per scope; the `after` cursor of GET /v1/conflicts. */
  seq: number;
  client_id: string;
  mutation_id: number;
  collection: string;
  key: string;
  /** put | patch | delete */
  op: string;
  strategy: string;
  /** server | client | merged | custom */
  resolution: string;
  /** JSON: the wire ConflictRecord minus the columns above. */
  detail: string;
  /** Server wall-clock ms when the conflict was resolved. */
  resolved_at: number;
}
