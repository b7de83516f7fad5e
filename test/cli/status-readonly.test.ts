/**
 * `syncline status` never writes to the file it inspects: it opens it read-only and refuses anything
 * that is not a syncline client store, leaving it byte-identical (no schema written into an empty file).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { runStatus } from '../../src/cli/status.js';
import { openSqliteStore } from '../../src/stores/sqlite-store.js';
import { tempDir } from '../helpers/harness.js';

const dirs: Array<{ remove(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

function dir(): string {
  const d = tempDir('syncline-status-');
  dirs.push(d);
  return d.path;
}

const quiet = { log: () => undefined };

describe('syncline status on files that are not client stores', () => {
  it('refuses an empty file, another SQLite database and a text file, changing none of them', async () => {
    const d = dir();
    const empty = join(d, 'empty.db');
    writeFileSync(empty, '');
    const other = join(d, 'other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT); INSERT INTO invoices VALUES (1, \'9.99\')');
    db.close();
    const text = join(d, 'notes.txt');
    writeFileSync(text, 'not a database at all, but long enough to look like a header '.repeat(4));
    const cases: Array<[string, RegExp]> = [
      [empty, /empty\.db is not a syncline client store \(an empty database\); nothing was written to it/],
      [other, /other\.db is not a syncline client store \(user_version 0, tables: invoices\)/],
      [text, /notes\.txt is not a syncline client store \(file is not a database\)/],
    ];
    const before = new Map(cases.map(([path]) => [path, readFileSync(path)]));
    const listing = readdirSync(d).sort();
    for (const [path, message] of cases) await expect(runStatus(['--db', path], quiet), path).rejects.toThrow(message);
    for (const [path] of cases) expect(readFileSync(path).equals(before.get(path)!), path).toBe(true);
    expect(readdirSync(d).sort()).toEqual(listing); // no -wal / -shm / journal left behind either
  });

  it('reads a real client store without changing it', async () => {
    const d = dir();
    const path = join(d, 'till.db');
    const store = await openSqliteStore(path);
    await store.write(async (tx) => tx.put('meta', 'clientId', 'c-1'));
    await store.close();
    const before = readFileSync(path);
    const lines: string[] = [];
    expect(await runStatus(['--db', path, '--json'], { log: (l) => lines.push(l) })).toBe(0);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ clientId: 'c-1', outbox: 0 });
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});
