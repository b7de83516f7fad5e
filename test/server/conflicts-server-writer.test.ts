// A conflict met by a server-side write (server.mutate, an incoming webhook, an effect's write-back,
// a replay) is audited under the writer's reserved id (syncline:<origin>), and the audit must list it:
// the endpoint fuzz suite once found GET /v1/conflicts answering 500 after an incoming webhook's stale
// put, because the audit's schema accepted only client ids.
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { memoryClient, startServer, tempDir, type TestServer } from '../helpers/harness.js';

let dir: ReturnType<typeof tempDir>;
let t: TestServer;
beforeEach(() => {
  dir = tempDir();
  t = startServer({ sqlitePath: join(dir.path, 'server.db'), collections: { notes: { writable: true } } });
});
afterEach(async () => {
  await t.close();
  dir.remove();
});

it('lists a conflict of a server-side write under its reserved writer id', async () => {
  const client = await memoryClient(t.transport());
  await client.collection('notes').put('n', { v: 1 });
  await client.sync().result;
  await client.close();
  // Based on "absent" while a client's record exists: a conflict, resolved client-wins.
  expect(await t.server.mutate('scope-1', 'put', { collection: 'notes', key: 'n', value: { v: 2 }, baseVersion: null })).toMatchObject({ status: 'applied' });
  const response = await t.server.fetch(new Request('http://syncline.test/v1/conflicts', { headers: { authorization: 'Bearer t1' } }));
  expect(response.status).toBe(200);
  const body = (await response.json()) as { conflicts: Array<{ clientId: string; key: string }> };
  expect(body.conflicts).toEqual([expect.objectContaining({ clientId: 'syncline:server', key: 'n' })]);
});
