/**
 * The prepared statements of one SQLite connection, prepared once and reused for every operation.
 * Keys go through `encodeKey`/`decodeKey` (see sqlite-keys.ts); values are JSON text.
 */
import type Database from 'better-sqlite3';
import { InvalidArgumentError, StoredDataError } from '../core/errors.js';
import type { JsonValue } from '../protocol/json.js';
import type { KeyRange } from './key-range.js';
import { decodeKey, encodeKey } from './sqlite-keys.js';

type Entry = [key: string, value: JsonValue];

const RANGE = 'FROM kv WHERE tbl = ? AND k >= ?';

export class ReadStatements {
  readonly #where: string;
  readonly #get: Database.Statement;
  readonly #scan: Record<'bounded' | 'open', Record<'asc' | 'desc', Database.Statement>>;
  readonly #count: Record<'bounded' | 'open', Database.Statement>;

  constructor(db: Database.Database, where: string) {
    this.#where = where;
    this.#get = db.prepare('SELECT v FROM kv WHERE tbl = ? AND k = ?').pluck();
    const scan = (bound: string, order: string) =>
      db.prepare(`SELECT k, v ${RANGE}${bound} ORDER BY k ${order} LIMIT ?`).raw();
    this.#scan = {
      bounded: { asc: scan(' AND k < ?', 'ASC'), desc: scan(' AND k < ?', 'DESC') },
      open: { asc: scan('', 'ASC'), desc: scan('', 'DESC') },
    };
    this.#count = {
      bounded: db.prepare(`SELECT count(*) ${RANGE} AND k < ?`).pluck(),
      open: db.prepare(`SELECT count(*) ${RANGE}`).pluck(),
    };
  }

  get(table: string, key: string): JsonValue | undefined {
    const text = this.#get.get(encodeKey(table), encodeKey(key)) as unknown;
    return text === undefined ? undefined : this.parse(table, key, text);
  }

  scan(table: string, range: KeyRange, limit: number, reverse: boolean): Entry[] {
    const params = rangeParams(table, range);
    const statement = this.#scan[range.upper === undefined ? 'open' : 'bounded'][reverse ? 'desc' : 'asc'];
    // SQLite reads a negative LIMIT as "no limit".
    const rows = statement.all(...params, Number.isFinite(limit) ? limit : -1) as Array<[string, unknown]>;
    const entries = new Array<Entry>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const [storedKey, text] = rows[i] as [string, unknown];
      const key = decodeKey(storedKey);
      entries[i] = [key, this.parse(table, key, text)];
    }
    return entries;
  }

  count(table: string, range: KeyRange): number {
    const params = rangeParams(table, range);
    return this.#count[range.upper === undefined ? 'open' : 'bounded'].get(...params) as number;
  }

  protected parse(table: string, key: string, text: unknown): JsonValue {
    try {
      if (typeof text !== 'string') throw new TypeError(`expected JSON text, found ${typeof text}`);
      return JSON.parse(text) as JsonValue;
    } catch (error) {
      throw new StoredDataError(
        `The value of key ${JSON.stringify(key)} in table ${JSON.stringify(table)} of ${this.#where} ` +
          'is not valid JSON, so the file was changed outside syncline or is damaged. Delete that key or restore the file.',
        { cause: error, details: { table, key } },
      );
    }
  }
}

export class WriteStatements extends ReadStatements {
  readonly #put: Database.Statement;
  readonly #delete: Database.Statement;

  constructor(db: Database.Database, where: string) {
    super(db, where);
    // An upsert keeps the row's id (store format 2): no delete + reinsert of the index entry.
    this.#put = db.prepare('INSERT INTO kv (tbl, k, v) VALUES (?, ?, ?) ON CONFLICT (tbl, k) DO UPDATE SET v = excluded.v');
    this.#delete = db.prepare('DELETE FROM kv WHERE tbl = ? AND k = ?');
  }

  put(table: string, key: string, value: JsonValue): void {
    this.#put.run(encodeKey(table), encodeKey(key), toJsonText(table, key, value));
  }

  delete(table: string, key: string): void {
    this.#delete.run(encodeKey(table), encodeKey(key));
  }
}

function toJsonText(table: string, key: string, value: JsonValue): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value) as string | undefined;
  } catch (error) {
    throw new InvalidArgumentError(`The value for ${table}/${key} is not a JSON value.`, { cause: error });
  }
  if (text === undefined) {
    throw new InvalidArgumentError(`Cannot store ${typeof value} in ${table}/${key}; store a JSON value or delete the key.`);
  }
  return text;
}

function rangeParams(table: string, range: KeyRange): string[] {
  const params = [encodeKey(table), encodeKey(range.lower)];
  if (range.upper !== undefined) params.push(encodeKey(range.upper));
  return params;
}
