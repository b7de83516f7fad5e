/**
 * `syncline import --db <url> --scope <s> FILE`: bulk-load a JSON Lines or CSV file into a scope of a
 * server database, in large transactions, resumable by import id (src/server/import-run.ts). Progress
 * goes to stdout (progress.ts): a bar with rate and ETA on a terminal, a plain line per 10% otherwise.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { InvalidArgumentError } from '../core/errors.js';
import { silentLogger } from '../core/seams.js';
import { describeDatabaseLocation, parseDatabaseLocation, type DatabaseLocation } from '../server/database-url.js';
import { createPostgresFanout } from '../server/fanout-postgres.js';
import { readCsvEntries } from '../server/import-csv.js';
import { readJsonlEntries } from '../server/import-jsonl.js';
import { runImport, type ImportEntry } from '../server/import-run.js';
import type { ImportProgress, ImportResult } from '../server/import-types.js';
import { migrateToLatest } from '../server/migrations.js';
import { openPostgresDatabase } from '../server/postgres-dialect.js';
import type { ServerDatabase } from '../server/schema.js';
import { openSqliteDatabase } from '../server/sqlite-dialect.js';
import type { Durability } from '../server/types.js';
import { createProgress, type Progress, type ProgressStream } from './progress.js';

export interface ImportConfig {
  database: DatabaseLocation;
  scope: string;
  file: string;
  format: 'jsonl' | 'csv';
  collection?: string;
  /** CSV: the column holding each record's key. */
  keyColumn: string;
  importId: string;
  batchSize?: number;
  skipInvalid: boolean;
  durability: Durability;
}

export interface ImportOutput {
  log(line: string): void;
  /** Where the progress goes (process.stdout): a bar on a TTY, plain lines otherwise; absent: plain lines through `log`. */
  stream?: ProgressStream;
}

export function parseImportArgs(argv: string[]): ImportConfig {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      scope: { type: 'string' },
      collection: { type: 'string' },
      key: { type: 'string', default: 'key' },
      format: { type: 'string' },
      'import-id': { type: 'string' },
      'batch-size': { type: 'string' },
      'skip-invalid': { type: 'boolean', default: false },
      durability: { type: 'string', default: 'durable' },
    },
  });
  if (values.db === undefined) throw new InvalidArgumentError('--db is required: the server database (a SQLite file or a postgres:// URL).');
  if (values.scope === undefined) throw new InvalidArgumentError('--scope is required: the scope the records belong to.');
  if (positionals.length !== 1) throw new InvalidArgumentError(`Give exactly one input file (.jsonl or .csv); got ${positionals.length}.`);
  const file = positionals[0] as string;
  if (!existsSync(file)) throw new InvalidArgumentError(`No input file at ${file}.`);
  const database = parseDatabaseLocation(values.db);
  if ('sqlite' in database && !existsSync(database.sqlite)) {
    throw new InvalidArgumentError(`No database at ${database.sqlite}: import into a database the server has created (run \`syncline serve --db ${values.db}\` once).`);
  }
  if (values.durability !== 'durable' && values.durability !== 'relaxed') throw new InvalidArgumentError(`--durability: expected "durable" or "relaxed", got "${values.durability}".`);
  const config: ImportConfig = {
    database,
    scope: values.scope,
    file,
    format: formatOf(file, values.format),
    keyColumn: values.key,
    importId: values['import-id'] ?? defaultImportId(file),
    skipInvalid: values['skip-invalid'],
    durability: values.durability,
  };
  if (values.collection !== undefined) config.collection = values.collection;
  if (values['batch-size'] !== undefined) {
    const size = Number(values['batch-size']);
    if (!Number.isSafeInteger(size) || size < 1) throw new InvalidArgumentError(`--batch-size: expected a positive whole number, got "${values['batch-size']}".`);
    config.batchSize = size;
  }
  return config;
}

function formatOf(file: string, flag: string | undefined): 'jsonl' | 'csv' {
  const format = flag ?? ({ '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.csv': 'csv' } as Record<string, string>)[extname(file).toLowerCase()];
  if (format === 'jsonl' || format === 'csv') return format;
  throw new InvalidArgumentError(`Cannot tell the format of ${file}: name it .jsonl or .csv, or pass --format jsonl|csv.`);
}

/** The same file (by absolute path) resumes the same import unless --import-id says otherwise. */
function defaultImportId(file: string): string {
  return `${basename(file).slice(0, 200)}@${createHash('sha256').update(resolve(file)).digest('hex').slice(0, 12)}`;
}

export async function runImportCommand(argv: string[], out: ImportOutput, signal: AbortSignal): Promise<number> {
  const config = parseImportArgs(argv);
  const db = openDatabase(config);
  const fanout = 'postgres' in config.database ? createPostgresFanout({ url: config.database.postgres }) : undefined;
  try {
    await migrateToLatest(db);
    // Connected clients of servers on this PostgreSQL database hear each commit (LISTEN/NOTIFY); on
    // SQLite the server is another process, so its clients notice at their next pull.
    await fanout?.start(() => {});
    out.log(`importing ${config.file} (${config.format}) into scope "${config.scope}" of ${describeDatabaseLocation(config.database)}, import id "${config.importId}"`);
    const entries: AsyncIterable<ImportEntry> = config.format === 'csv' ? readCsvEntries(config.file, config.keyColumn) : readJsonlEntries(config.file);
    const { report, bar } = progressReporter(out, await countLines(config.file));
    const result = await runImport({ db, logger: silentLogger, now: Date.now, ...(fanout === undefined ? {} : { onCommitted: (change) => fanout.publish(change) }) }, config.scope, entries, {
      importId: config.importId,
      source: config.file,
      skipInvalid: config.skipInvalid,
      signal,
      onProgress: report,
      onInvalid: (invalid) => bar.log(`skipped ${invalid.where}: ${invalid.message}`),
      ...(config.collection === undefined ? {} : { collection: config.collection }),
      ...(config.batchSize === undefined ? {} : { batchSize: config.batchSize }),
    });
    bar.finish(summary(result));
    return 0;
  } finally {
    await fanout?.close();
    await db.destroy();
  }
}

function openDatabase(config: ImportConfig): Kysely<ServerDatabase> {
  if ('sqlite' in config.database) return openSqliteDatabase(config.database.sqlite, config.durability);
  return openPostgresDatabase({ url: config.database.postgres, durability: config.durability, maxConnections: 2 });
}

/**
 * Progress against the file's line count (an entry's position is the line it starts on, so a resumed
 * import starts its bar where it stopped): a bar with rate and ETA on a terminal, a line per 10% otherwise.
 */
function progressReporter(out: ImportOutput, total: number): { report(progress: ImportProgress): void; bar: Progress } {
  const bar = createProgress(out.stream ?? lineStream(out), { label: 'import', unit: 'lines', total });
  let told = false;
  return {
    bar,
    report: (p) => {
      // Said once, before the bar moves: where this run picks up (what an earlier run committed).
      if (!told && p.resumedFrom > 0) bar.log(`import: resumed after position ${p.resumedFrom}, which an earlier run committed`);
      told = true;
      bar.update(p.position);
    },
  };
}

/** Plain lines through `out.log` (tests, and callers without a stream). */
function lineStream(out: ImportOutput): ProgressStream {
  return { write: (chunk) => chunk.split('\n').filter((line) => line !== '').forEach((line) => out.log(line)) };
}

/** Newlines in the file (+1 for a last line without one): one quick read before the import. */
async function countLines(file: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    if (chunk.length > 0) last = chunk[chunk.length - 1] ?? 10;
  }
  return last === 10 ? lines : lines + 1;
}

function summary(r: ImportResult): string {
  return `done: ${r.imported} records imported in ${(r.elapsedMs / 1000).toFixed(1)} s (${r.recordsPerSecond} records/s, ${r.transactions} transactions), ` +
    `${r.invalid} invalid skipped, position ${r.position}${r.resumedFrom > 0 ? `, resumed after position ${r.resumedFrom}` : ''}, scope version ${r.version}`;
}
