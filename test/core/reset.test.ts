// Tombstone purge and the reset it forces: a client whose cursor predates the purge horizon gets
// 409 reset-required, re-pulls from cursor 0 keeping its pending writes, and the verify phase removes
// the records deleted meanwhile (their tombstones are gone, so no pull can say so).
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SynclineClient } from '../../src/index.js';
import { PROTOCOL_VERSION } from '../../src/protocol/wire.js';
import { memoryClient, serverView, startServer, tempDir, type TestServer } from '../helpers/harness.js';

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
const open: SynclineClient[] = [];

beforeEach(() => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db') });
});
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  await server.close();
  dir.remove();
});

describe('tombstone purge', () => {
  it('answers an older cursor with reset-required, and cursor 0 normally', async () => {
    const writer = await memoryClient(server.transport());
    open.push(writer);
    await writer.collection('products').put('a', { n: 1 });
    await writer.collection('products').put('b', { n: 2 });
    await writer.collection('products').delete('a');
    await writer.sync();
    const [purge] = await server.server.purgeTombstones({ keepVersions: 0 });
    expect(purge).toMatchObject({ purgedThrough: 3, tombstonesRemoved: 1 });
    await expect(server.transport().pull({ v: PROTOCOL_VERSION, clientId: 'client-xyz1', cursor: 1, limit: 10 })).rejects.toMatchObject({
      code: 'server-reset',
      serverCode: 'reset-required',
      status: 409,
    });
    const full = await server.transport().pull({ v: PROTOCOL_VERSION, clientId: 'client-xyz1', cursor: 0, limit: 10 });
    expect(full.changes.map((c) => c.key)).toEqual(['b']);
  });

  it('a client behind the horizon re-syncs fully, keeps its pending writes and drops deleted records', async () => {
    const stale = await memoryClient(server.transport());
    const other = await memoryClient(server.transport());
    open.push(stale, other);
    for (const key of ['p1', 'p2', 'p3', 'p4']) await other.collection('products').put(key, { key });
    await other.sync();
    await stale.sync();
    await other.collection('products').delete('p2');
    await other.collection('products').delete('p3');
    await other.collection('products').put('p5', { key: 'p5' });
    await other.sync();
    await server.server.purgeTombstones({ keepVersions: 0 });

    await stale.collection('products').put('mine', { pending: true }); // made before it hears of any of it
    const result = await stale.sync();

    expect(result.pulled.resets).toBe(1);
    expect(result.verify.status).toBe('repaired');
    expect((await stale.collection('products').list()).map((r) => r.key)).toEqual(['mine', 'p1', 'p4', 'p5']);
    expect(await stale.collection('products').list()).toEqual(await serverView(server.transport(), 'products'));
    expect((await stale.sync()).verify.status).toBe('verified');
  });
});
