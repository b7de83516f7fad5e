/** Public types of the bulk import (`server.importRecords`, `syncline import`). */
import { SynclineError } from '../core/errors.js';
import type { JsonObject } from '../protocol/json.js';

/** One record to import: `collection` may be left to `ImportOptions.collection`. */
export interface ImportRecord {
  collection?: string;
  key: string;
  value: JsonObject;
}

export interface ImportOptions {
  /**
   * Names this import for resuming: the checkpoint (input position committed so far) is stored under
   * (scope, importId) in the same transaction as each batch of records, and a rerun with the same id
   * skips that many input items. Default: a random id, so the import cannot be resumed.
   */
  importId?: string;
  /** Collection for records that name none. */
  collection?: string;
  /** Records per transaction (default 5000): one commit, one fsync and one poke each. */
  batchSize?: number;
  /** Invalid records are reported (`onInvalid`, `result.invalid`) and skipped instead of stopping the import. */
  skipInvalid?: boolean;
  /** Stops the import between batches; the open batch rolls back, committed batches stay. */
  signal?: AbortSignal;
  /** Called after each committed batch (and once at the start of a resumed import). */
  onProgress?: (progress: ImportProgress) => void;
  /** Called for each invalid record skipped under `skipInvalid`. */
  onInvalid?: (invalid: InvalidImportRecord) => void;
  /** Names the input in messages (`file.jsonl:12`); default: records are named by their ordinal. */
  source?: string;
}

export interface ImportProgress {
  importId: string;
  scope: string;
  /** Input items handled so far, this run and earlier runs of the same import (records and invalid ones). */
  position: number;
  /** Records written by this run. */
  imported: number;
  /** Input items skipped at the start because an earlier run had committed them. */
  resumedFrom: number;
  /** Invalid items skipped by this run. */
  invalid: number;
  /** The scope's version after the last commit. */
  version: number;
  elapsedMs: number;
  /** Records written per second of this run. */
  recordsPerSecond: number;
}

export interface InvalidImportRecord {
  /** 1-based ordinal of the item in the input. */
  position: number;
  /** `file:line` (or `record N`) */
  where: string;
  message: string;
}

export interface ImportResult extends ImportProgress {
  /** Transactions this run committed. */
  transactions: number;
  /** The first invalid items skipped by this run (at most 100; `invalid` counts them all). */
  invalidItems: InvalidImportRecord[];
}

/** An input item the import cannot take: names where it is and what is wrong. */
export class ImportInputError extends SynclineError {
  override name = 'ImportInputError' as const;
  constructor(readonly where: string, readonly position: number, problem: string, committed: number) {
    super('invalid-argument', `${where}: ${problem} The items before it are imported (${committed} records committed in all); fix it and run the import again with the same import id to continue from here, or skip invalid items.`, {
      details: { where, position, committed },
    });
  }
}

/** Another run of the same import moved its checkpoint meanwhile: running both would write records twice. */
export class ImportConflictError extends SynclineError {
  override name = 'ImportConflictError' as const;
  constructor(importId: string, expected: number, found: number) {
    super('invalid-argument', `Import "${importId}" is at input position ${found}, not ${expected}: another run of the same import is writing. Let one run finish (or stop it) and run again.`, {
      details: { importId, expected, found },
    });
  }
}
