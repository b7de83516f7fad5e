// `syncline webhooks add --collections`: a record-change subscription made from the CLI, seen by the server's API.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runWebhooksCommand } from '../../src/cli/webhooks.js';
import { createSyncServer } from '../../src/server.js';
import { tempDir } from '../server/helpers.js';

it('adds a record-change subscription with collections and ops, and lists it', async () => {
  const db = join(tempDir(), 'server.db');
  const server = createSyncServer({ database: { sqlite: db }, auth: () => null });
  await server.ready();
  await server.close();
  const lines: string[] = [];
  expect(await runWebhooksCommand(['add', '--db', db, '--url', 'http://127.0.0.1:9/hook', '--collections', 'receipts', '--ops', 'put,delete'], { log: (l) => lines.push(l) })).toBe(0);
  expect(lines[0]).toMatch(/^wh_\S+ http:\/\/127\.0\.0\.1:9\/hook \[record\.changed:receipts\(put,delete\)\] secret whsec_/);
  const listed: string[] = [];
  await runWebhooksCommand(['list', '--db', db, '--json'], { log: (l) => listed.push(l) });
  expect(JSON.parse(listed[0] as string)).toMatchObject([{ events: [], collections: ['receipts'], operations: ['put', 'delete'] }]);
  await expect(runWebhooksCommand(['add', '--db', db, '--url', 'http://127.0.0.1:9/hook', '--collections', 'receipts', '--ops', 'upsert'], { log: () => {} })).rejects.toThrow(/operations are put, patch, delete, increment/);
});
