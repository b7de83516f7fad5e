/** The `record_clocks` table: last generic writer and HLC stamps per record. */
import type { Kysely } from 'kysely';
import { maxHlc } from '../../protocol/hlc.js';
import { toInt, type RecordRow, type ServerDatabase } from '../schema.js';
import { readRecord } from '../storage.js';
import type { RecordClock } from './detect.js';
import { rawSqlite } from '../sqlite-raw.js';
import type { RecordClocksTable } from './schema.js';

type Db = Kysely<ServerDatabase>;

const UNKNOWN: RecordClock = { writer: undefined, hlc: undefined, fields: {} };

/**
 * The record row and its clock, for a generic write. On a raw SQLite push transaction one joined read
 * (src/server/sqlite-raw.ts); elsewhere the two portable reads. No record row means version 0, which
 * no clock row describes, so the clock is then unknown either way.
 */
export async function readRecordAndClock(db: Db, scope: string, collection: string, key: string): Promise<{ row: RecordRow | undefined; clock: RecordClock }> {
  const raw = rawSqlite(db);
  if (raw === undefined) {
    const row = await readRecord(db, scope, collection, key);
    return { row, clock: await readRecordClock(db, scope, collection, key, toInt(row?.version)) };
  }
  const joined = raw.get<RecordRow & { c_version: number | null; c_writer: string | null; c_hlc: string | null; c_fields: string | null }>(
    'SELECT r.*, c.version AS c_version, c.writer AS c_writer, c.hlc AS c_hlc, c.fields AS c_fields FROM records r ' +
      'LEFT JOIN record_clocks c ON c.scope = r.scope AND c.collection = r.collection AND c.key = r.key ' +
      'WHERE r.scope = ? AND r.collection = ? AND r.key = ?',
    scope, collection, key,
  );
  if (joined === undefined) return { row: undefined, clock: UNKNOWN };
  const { c_version, c_writer, c_hlc, c_fields, ...row } = joined;
  const clock = c_version === null || c_writer === null || c_hlc === null || c_fields === null ? undefined : { version: c_version, writer: c_writer, hlc: c_hlc, fields: c_fields };
  return { row, clock: clockAt(clock, toInt(row.version)) };
}

/** The clock of a record at `version`; "unknown" when the row describes an older write (or is missing). */
export async function readRecordClock(db: Db, scope: string, collection: string, key: string, version: number): Promise<RecordClock> {
  const raw = rawSqlite(db);
  const row = raw !== undefined
    ? raw.get<RecordClocksTable>('SELECT * FROM record_clocks WHERE scope = ? AND collection = ? AND key = ?', scope, collection, key)
    : await db
    .selectFrom('record_clocks')
    .selectAll()
    .where('scope', '=', scope)
    .where('collection', '=', collection)
    .where('key', '=', key)
    .executeTakeFirst();
  return clockAt(row, version);
}

function clockAt(row: Pick<RecordClocksTable, 'version' | 'writer' | 'hlc' | 'fields'> | undefined, version: number): RecordClock {
  if (row === undefined || toInt(row.version) !== version) return UNKNOWN;
  return { writer: row.writer, hlc: row.hlc, fields: JSON.parse(row.fields) as Record<string, string> };
}

/**
 * The clock after a write that took the client's stamp: a whole-record write resets field stamps; a
 * patch advances the stamps of the fields it took. Stamps only move forward (max), so a causally later
 * write with a slower clock never makes the record look older than a value it replaced.
 */
export function advanceClock(clock: RecordClock, stamp: string, stamped: 'record' | string[]): { hlc: string; fields: Record<string, string> } {
  const hlc = maxHlc(clock.hlc, stamp) ?? stamp;
  if (stamped === 'record') return { hlc, fields: {} };
  const fields = { ...clock.fields };
  for (const field of stamped) fields[field] = maxHlc(clock.fields[field] ?? clock.hlc, stamp) ?? stamp;
  return { hlc, fields };
}

export async function writeRecordClock(
  db: Db,
  row: { scope: string; collection: string; key: string; version: number; writer: string; hlc: string; fields: Record<string, string> },
): Promise<void> {
  const values = { ...row, fields: JSON.stringify(row.fields) };
  const raw = rawSqlite(db);
  if (raw !== undefined) {
    raw.run(
      'INSERT INTO record_clocks (scope, collection, key, version, writer, hlc, fields) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (scope, collection, key) DO UPDATE SET version = excluded.version, writer = excluded.writer, hlc = excluded.hlc, fields = excluded.fields',
      values.scope, values.collection, values.key, values.version, values.writer, values.hlc, values.fields,
    );
    return;
  }
  await db
    .insertInto('record_clocks')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['scope', 'collection', 'key']).doUpdateSet({ version: values.version, writer: values.writer, hlc: values.hlc, fields: values.fields }),
    )
    .execute();
}
