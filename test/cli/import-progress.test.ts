// `syncline import` progress: against the file's line count, plain lines per 10% off a terminal and
// a redrawn bar (ending at 100%) on a fake TTY, with the summary last in both.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runImportCommand } from '../../src/cli/import.js';
import { createSyncServer, tokenAuth } from '../../src/server.js';
import { tempDir } from '../helpers/harness.js';

async function serverDb(dir: string): Promise<string> {
  const path = join(dir, 'server.db');
  const server = createSyncServer({ database: { sqlite: path }, auth: tokenAuth({}) });
  await server.ready();
  await server.close();
  return path;
}

function file(dir: string, n: number): string {
  const path = join(dir, 'products.jsonl');
  writeFileSync(path, Array.from({ length: n }, (_, i) => JSON.stringify({ key: `p-${i + 1}`, value: { n: i } })).join('\n')); // no final newline: still n lines
  return path;
}

it('not a TTY: a progress line per 10% reached (batches of 10 of 50 lines: 20% steps), then the summary', async () => {
  const dir = tempDir();
  const lines: string[] = [];
  const args = ['--db', await serverDb(dir.path), '--scope', 'shop', '--collection', 'products', '--batch-size', '10', file(dir.path, 50)];
  expect(await runImportCommand(args, { log: (line) => lines.push(line) }, new AbortController().signal)).toBe(0);
  const progress = lines.filter((l) => l.startsWith('import: '));
  expect(progress.map((l) => l.split(' lines')[0])).toEqual(['import: 20% 10/50', 'import: 40% 20/50', 'import: 60% 30/50', 'import: 80% 40/50', 'import: 100% 50/50']);
  expect(lines.at(-1)).toMatch(/^done: 50 records imported/);
  dir.remove();
});

it('a TTY: the bar is redrawn in place and ends at 100% before the summary', async () => {
  const dir = tempDir();
  const chunks: string[] = [];
  const args = ['--db', await serverDb(dir.path), '--scope', 'shop', '--collection', 'products', '--batch-size', '10', file(dir.path, 50)];
  const stream = { isTTY: true, columns: 120, write: (chunk: string) => chunks.push(chunk) };
  expect(await runImportCommand(args, { log: () => undefined, stream }, new AbortController().signal)).toBe(0);
  const bars = chunks.filter((c) => c.startsWith('\r\x1b[Kimport: ['));
  expect(bars.length).toBeGreaterThan(0);
  expect(bars.at(-1)?.startsWith(`\r\x1b[Kimport: [${'#'.repeat(24)}] 100% 50/50 lines`)).toBe(true);
  expect(chunks.at(-2)).toBe('\n');
  expect(chunks.at(-1)).toMatch(/^done: 50 records imported/);
  dir.remove();
});
