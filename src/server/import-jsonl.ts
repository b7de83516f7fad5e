/**
 * JSON Lines input for `syncline import`: one record `{ "collection"?, "key", "value" }` per line.
 * An entry's position is its line number, so the checkpoint and every error name a line a person can
 * open; blank lines are skipped. A line that is not JSON becomes an entry with a parse error (the
 * import stops there, or skips it under --skip-invalid).
 */
import { readNumberedLines } from './import-file.js';
import type { ImportEntry } from './import-run.js';

export async function* readJsonlEntries(path: string): AsyncGenerator<ImportEntry> {
  for await (const { line, text } of readNumberedLines(path)) {
    if (text.trim() === '') continue;
    try {
      yield { input: JSON.parse(text) as unknown, position: line, json: true };
    } catch (error) {
      yield { position: line, parseError: `not valid JSON (${(error as Error).message}).` };
    }
  }
}
