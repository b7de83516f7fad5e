// `syncline status --watch` on a real client database: it refreshes while another connection writes
// (a new pending mutation shows up), prints plain lines when not on a terminal and a redrawn line
// with the drain bar on a fake TTY, and returns once its AbortSignal fires (Ctrl-C in the CLI).
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { ProgressStream } from '../../src/cli/progress.js';
import { runStatus } from '../../src/cli/status.js';
import { sqliteClient, startServer, tempDir } from '../helpers/harness.js';

it('refreshes as the outbox changes, in plain lines off a terminal, and stops on abort', async () => {
  const dir = tempDir();
  const server = startServer({ sqlitePath: join(dir.path, 'server.db') });
  const path = join(dir.path, 'till.db');
  const client = await sqliteClient(path, server.transport());
  await client.collection('products').put('p', { n: 1 });
  await client.sync();

  const controller = new AbortController();
  const lines: string[] = [];
  let wrote: Promise<unknown> | undefined;
  const watching = runStatus(['--db', path, '--watch', '--interval', '0.02'], {
    log: (line) => {
      lines.push(line);
      // After the first refresh, a write lands from another connection; the next line must show it.
      if (lines.length === 1) wrote = client.collection('products').put('q', { n: 2 });
      if (line.includes('outbox 1 pending')) controller.abort();
    },
  }, { signal: controller.signal });
  expect(await watching).toBe(0);
  await wrote;
  expect(lines[0]).toMatch(/outbox 0 pending · oldest - · cursor 1 · last sync .* ago$/);
  expect(lines.at(-1)).toMatch(/outbox 1 pending · oldest \S+ (ms|s) · cursor 1/);
  await client.close();
  await server.close();
  dir.remove();
});

it('on a TTY: one redrawn line with the drain bar, within the columns', async () => {
  const dir = tempDir();
  const server = startServer({ sqlitePath: join(dir.path, 'server.db') });
  const path = join(dir.path, 'till.db');
  const client = await sqliteClient(path, server.transport());
  await client.collection('products').put('p', { n: 1 });
  await client.close();

  const controller = new AbortController();
  const chunks: string[] = [];
  const tty: ProgressStream = { isTTY: true, columns: 160, write: (chunk: string) => { chunks.push(chunk); if (chunks.length === 2) controller.abort(); } };
  expect(await runStatus(['--db', path, '--watch', '--interval', '0.02'], { log: () => expect.fail('no plain lines on a TTY') }, { signal: controller.signal, stream: tty })).toBe(0);
  expect(chunks[0]?.startsWith('\r\x1b[K')).toBe(true);
  expect(chunks[0]?.slice(4)).toMatch(/^outbox 1 pending · oldest .* · cursor 0 · last sync never {2}drain: \[-+\] 0% 0\/1 mutations/);
  expect(chunks.every((c) => c.replace('\r\x1b[K', '').length < 160)).toBe(true);
  expect(chunks.at(-1)).toBe('\n'); // the line is ended when watching stops
  await server.close();
  dir.remove();
});
