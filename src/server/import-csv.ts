/**
 * CSV input for `syncline import` (RFC 4180: comma-separated, fields in double quotes may hold commas,
 * line breaks and doubled quotes; "\n" or "\r\n" between records). The header row names the fields;
 * each later row becomes a record whose value maps every header to its cell (cells stay strings: CSV
 * has no types — use JSON Lines for numbers and nesting) and whose key is the `keyColumn` cell. An
 * entry's position is the line its row starts on.
 */
import { findJsonProblem } from '../protocol/json-guard.js';
import { InvalidArgumentError } from '../core/errors.js';
import { readUtf8Chunks } from './import-file.js';
import type { ImportEntry } from './import-run.js';

interface CsvRow {
  /** Line the row starts on (1-based). */
  line: number;
  cells: string[];
  problem?: string;
}

export async function* readCsvEntries(path: string, keyColumn: string): AsyncGenerator<ImportEntry> {
  let header: string[] | undefined;
  let keyIndex = -1;
  for await (const row of parseCsv(readUtf8Chunks(path))) {
    if (header === undefined) {
      header = checkHeader(path, row, keyColumn);
      keyIndex = header.indexOf(keyColumn);
      continue;
    }
    // A blank line is not a record.
    if (row.cells.length === 1 && row.cells[0] === '' && row.problem === undefined) continue;
    if (row.problem !== undefined) {
      yield { position: row.line, parseError: row.problem };
    } else if (row.cells.length !== header.length) {
      yield { position: row.line, parseError: `has ${row.cells.length} fields; the header has ${header.length}.` };
    } else {
      const value: Record<string, string> = {};
      header.forEach((name, i) => (value[name] = row.cells[i] as string));
      yield { input: { key: row.cells[keyIndex], value }, position: row.line, json: true };
    }
  }
  if (header === undefined) throw new InvalidArgumentError(`${path}: the file is empty; a CSV import needs a header row naming the fields.`);
}

function checkHeader(path: string, row: CsvRow, keyColumn: string): string[] {
  const where = `${path}:${row.line}`;
  if (row.problem !== undefined) throw new InvalidArgumentError(`${where}: the header row ${row.problem}`);
  const seen = new Set<string>();
  for (const name of row.cells) {
    if (name === '') throw new InvalidArgumentError(`${where}: the header row has an empty field name; name every column.`);
    if (seen.has(name)) throw new InvalidArgumentError(`${where}: the header row names "${name}" twice; field names must be unique.`);
    const problem = name === '__proto__' ? 'is "__proto__", which JavaScript objects cannot hold faithfully' : findJsonProblem(name, { maxDepth: 1, maxKeys: 1 })?.message;
    if (problem !== undefined) throw new InvalidArgumentError(`${where}: header field "${name.slice(0, 40)}" ${problem}`);
    seen.add(name);
  }
  if (!seen.has(keyColumn)) throw new InvalidArgumentError(`${where}: no column "${keyColumn}" for the record key; the header has ${row.cells.map((c) => `"${c}"`).join(', ')} (choose one with --key).`);
  return row.cells;
}

/** Rows of CSV text arriving in chunks. A malformed row carries a problem and parsing goes on at the next row. */
export async function* parseCsv(chunks: AsyncIterable<string>): AsyncGenerator<CsvRow> {
  let cells: string[] = [];
  let cell = '';
  let quoted = false; // inside a quoted field
  let afterQuote = false; // a quoted field just closed (or a doubled quote may follow)
  let problem: string | undefined;
  let line = 1;
  let rowLine = 1;
  let pendingCr = false;
  let started = false; // the current row has content
  const endRow = (): CsvRow => {
    cells.push(cell);
    const row: CsvRow = { line: rowLine, cells, ...(problem === undefined ? {} : { problem }) };
    cells = [];
    cell = '';
    problem = undefined;
    afterQuote = false;
    started = false;
    return row;
  };
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i += 1) {
      const c = chunk[i] as string;
      if (pendingCr) {
        pendingCr = false;
        if (c === '\n') continue;
      }
      if (quoted) {
        if (c === '"') {
          quoted = false;
          afterQuote = true;
        } else {
          if (c === '\n') line += 1;
          cell += c;
        }
        continue;
      }
      if (c === '"') {
        if (afterQuote) {
          // A doubled quote inside a quoted field: one literal quote, still inside.
          cell += '"';
          quoted = true;
          afterQuote = false;
        } else if (cell === '') {
          quoted = true;
          started = true;
        } else {
          problem ??= `has a stray double quote in an unquoted field (field ${cells.length + 1}); quote the whole field and double the quote.`;
          cell += c;
        }
        continue;
      }
      if (c === ',') {
        cells.push(cell);
        cell = '';
        afterQuote = false;
        started = true;
        continue;
      }
      if (c === '\n' || c === '\r') {
        pendingCr = c === '\r';
        line += 1;
        yield endRow();
        rowLine = line;
        continue;
      }
      if (afterQuote) problem ??= `has text after the closing quote of field ${cells.length + 1}.`;
      cell += c;
      started = true;
    }
  }
  if (quoted) {
    problem ??= 'has a quoted field that never ends (a missing closing double quote).';
    yield endRow();
  } else if (started || cell !== '' || cells.length > 0) {
    yield endRow();
  }
}
