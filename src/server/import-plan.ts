/** What one import batch writes, and what it reports back (shared by the SQLite and the portable writer). */
import type { ValidRecord } from './import-validate.js';

export interface BatchPlan {
  scope: string;
  importId: string;
  /** Checkpoint position this run expects to find (what it last committed, or read at the start). */
  from: number;
  /** Checkpoint position after this batch: the last input position it covers. */
  to: number;
  /** Records to write, in input order, at most one per (collection, key). */
  records: ValidRecord[];
  /** Invalid items skipped in this batch's span of the input. */
  invalid: number;
  /** This batch reaches the end of the input. */
  finished: boolean;
  now: number;
}

/** The checkpoint row as a batch writer reads it under the scope lock. */
export interface CheckpointRow {
  position: number;
  records: number;
  invalid: number;
}

export interface BatchCommitted {
  /** The scope's version before and after the batch. */
  versionBefore: number;
  version: number;
  /** Checkpoint totals after the batch. */
  checkpoint: CheckpointRow;
}

/** Keep the last write of each (collection, key): one row cannot be upserted twice by one multi-row statement. */
export function lastWritePerKey(records: readonly ValidRecord[]): ValidRecord[] {
  const last = new Map<string, number>();
  records.forEach((record, i) => last.set(`${record.collection}\u0000${record.key}`, i));
  if (last.size === records.length) return records as ValidRecord[];
  return records.filter((record, i) => last.get(`${record.collection}\u0000${record.key}`) === i);
}
