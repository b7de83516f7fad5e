/** The `record_clocks` table: last generic writer and HLC stamps per record. */
import type { Kysely } from 'kysely';
import { maxHlc } from '../../protocol/hlc.js';
import { toInt, type ServerDatabase } from '../schema.js';
import type { RecordClock } from './detect.js';
import { rawSqlite } from '../sqlite-raw.js';
import type { RecordClocksTable } from './schema.js';

type Db = Kysely<ServerDatabase>;

const UNKNOWN: RecordClock = { writer: undefined, hlc: undefined, fields: {} };

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
