/**
 * The bulk import loop (`server.importRecords`, `syncline import`): read input items, validate each
 * at the door, gather them into batches and commit each batch with its checkpoint (import-batch.ts);
 * poke and report progress after every commit.
 *
 *   read checkpoint P ──▶ skip items at positions ≤ P ──▶ gather a batch ──▶ commit ──▶ poke, progress
 *                                                           ▲        │ bad item: commit what came before, throw
 *                                                           └────────┘ (abort: drop the open batch, throw)
 *
 * Positions are the input's own (a JSONL line number, a CSV record's first line, or the ordinal of an
 * item handed to importRecords), so "the last committed input position" is something a person can find.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AbortedError, InvalidArgumentError } from '../core/errors.js';
import type { Logger } from '../core/seams.js';
import { findJsonProblem } from '../protocol/json-guard.js';
import type { ScopeChange } from './fanout.js';
import type { ServerDatabase } from './schema.js';
import { commitBatch } from './import-batch.js';
import type { CheckpointRow } from './import-plan.js';
import { readCheckpoint } from './import-portable.js';
import { ensureImportsTable } from './import-table.js';
import { readScopeVersion } from './storage.js';
import { checkImportRecord, type ValidRecord } from './import-validate.js';
import { ImportInputError, type ImportOptions, type ImportProgress, type ImportResult, type InvalidImportRecord } from './import-types.js';

export const DEFAULT_IMPORT_BATCH = 5000;
const MAX_IMPORT_BATCH = 100_000;
const KEPT_INVALID = 100;

/** One input item: the record as read, where it is, or why it could not be read at all. */
export interface ImportEntry {
  input?: unknown;
  /** Its position in the input (increasing); default: its ordinal. */
  position?: number;
  /** Set when the item could not be parsed (bad JSON, a CSV row of the wrong width). */
  parseError?: string;
  /** The input was JSON text (so the value needs no check for non-JSON leaves). */
  json?: boolean;
}

export interface ImportDeps {
  db: Kysely<ServerDatabase>;
  /** After each commit that moved the scope's version: pokes (in process and through the fanout). */
  onCommitted?: (change: ScopeChange) => void;
  logger: Logger;
  now(): number;
}

export async function runImport(
  deps: ImportDeps,
  scope: string,
  entries: Iterable<ImportEntry> | AsyncIterable<ImportEntry>,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const settings = checkOptions(scope, options);
  const { importId, batchSize } = settings;
  const started = deps.now();
  await ensureImportsTable(deps.db as unknown as Kysely<unknown>);
  const stored = await readCheckpoint(deps.db, scope, importId);
  const resumedFrom = stored?.position ?? 0;
  let committed: CheckpointRow = stored ?? { position: 0, records: 0, invalid: 0 };
  const run = { imported: 0, invalid: 0, transactions: 0, version: await readScopeVersion(deps.db, scope), invalidItems: [] as InvalidImportRecord[] };
  const progress = (): ImportProgress => {
    const elapsedMs = deps.now() - started;
    return {
      importId, scope, position: committed.position, imported: run.imported, resumedFrom, invalid: run.invalid, version: run.version,
      elapsedMs, recordsPerSecond: elapsedMs <= 0 ? 0 : Math.round((run.imported * 1000) / elapsedMs),
    };
  };
  if (resumedFrom > 0) {
    deps.logger.info('server: import resumed', { scope, importId, position: resumedFrom });
    options.onProgress?.(progress());
  }

  let batch: ValidRecord[] = [];
  let batchInvalid = 0;
  let last = resumedFrom;
  const commit = async (to: number, finished: boolean): Promise<void> => {
    settings.signal?.throwIfAborted();
    const result = await commitBatch(deps.db, { scope, importId, from: committed.position, to, records: batch, invalid: batchInvalid, finished, now: deps.now() });
    run.imported += result.checkpoint.records - committed.records;
    run.transactions += 1;
    run.version = result.version;
    committed = result.checkpoint;
    batch = [];
    batchInvalid = 0;
    if (result.version > result.versionBefore) deps.onCommitted?.({ scope, version: result.version });
    options.onProgress?.(progress());
  };

  let ordinal = 0;
  try {
    for await (const entry of entries) {
      ordinal += 1;
      settings.signal?.throwIfAborted();
      const position = entry.position ?? ordinal;
      if (position <= resumedFrom) continue;
      if (position <= last) throw new InvalidArgumentError(`Import positions must increase: ${position} came after ${last}.`);
      last = position;
      const where = settings.source === undefined ? `record ${position}` : `${settings.source}:${position}`;
      const checked = entry.parseError ?? checkImportRecord(entry.input, settings.collection, entry.json === true);
      if (typeof checked === 'string') {
        if (!settings.skipInvalid) {
          // Everything before the bad item is kept; nothing after it is written.
          if (batch.length > 0 || batchInvalid > 0) await commit(position - 1, false);
          throw new ImportInputError(where, position, checked, committed.records);
        }
        run.invalid += 1;
        batchInvalid += 1;
        const invalid = { position, where, message: checked };
        if (run.invalidItems.length < KEPT_INVALID) run.invalidItems.push(invalid);
        options.onInvalid?.(invalid);
        continue;
      }
      batch.push(checked);
      if (batch.length >= batchSize) await commit(position, false);
    }
    settings.signal?.throwIfAborted();
    // The last batch; also marks the import finished when the input ended on a batch boundary.
    if (batch.length > 0 || batchInvalid > 0 || last > committed.position || run.transactions === 0) await commit(last, true);
  } catch (error) {
    if (settings.signal?.aborted === true && error === settings.signal.reason) {
      throw new AbortedError(`Import "${importId}" stopped by its abort signal at input position ${committed.position} (${committed.records} records committed); run it again with the same import id to continue.`, { cause: error });
    }
    throw error;
  }
  deps.logger.info('server: import finished', { scope, importId, position: committed.position, imported: run.imported, invalid: run.invalid });
  return { ...progress(), transactions: run.transactions, invalidItems: run.invalidItems };
}

interface Settings {
  importId: string;
  batchSize: number;
  collection: string | undefined;
  skipInvalid: boolean;
  signal: AbortSignal | undefined;
  source: string | undefined;
}

function checkOptions(scope: string, options: ImportOptions): Settings {
  if (typeof scope !== 'string' || scope.length === 0 || scope.length > 256 || findJsonProblem(scope, { maxDepth: 1, maxKeys: 1 }) !== undefined) {
    throw new InvalidArgumentError(`scope must be 1-256 characters of well-formed text without NUL; got ${JSON.stringify(scope)}.`);
  }
  const importId = options.importId ?? randomUUID();
  if (typeof importId !== 'string' || importId.length === 0 || importId.length > 256 || findJsonProblem(importId, { maxDepth: 1, maxKeys: 1 }) !== undefined) {
    throw new InvalidArgumentError(`importId must be 1-256 characters of well-formed text without NUL; got ${JSON.stringify(importId)}.`);
  }
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > MAX_IMPORT_BATCH) {
    throw new InvalidArgumentError(`batchSize must be a whole number from 1 to ${MAX_IMPORT_BATCH}; got ${String(batchSize)}.`);
  }
  return { importId, batchSize, collection: options.collection, skipInvalid: options.skipInvalid === true, signal: options.signal, source: options.source };
}

/** Items handed to `importRecords`, as entries positioned by their ordinal. */
export async function* recordsAsEntries(records: Iterable<unknown> | AsyncIterable<unknown>): AsyncGenerator<ImportEntry> {
  for await (const input of records) yield { input };
}
