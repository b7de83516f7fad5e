// Two "tabs" (clients on one SQLite database, in one process) with BroadcastChannel between them:
// the follower's writes reach the server through the leader, and each hears what the other changed.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { broadcastTabChannel, createClient, type RecordsChange, type SynclineClient, type TabChannel } from '../../src/index.js';
import { parseTabMessage } from '../../src/core/tab-channel.js';
import { openSqliteStore } from '../../src/stores/sqlite-store.js';
import { serverView, startServer, tempDir, type TestServer } from '../helpers/harness.js';

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
const clients: SynclineClient[] = [];
const channels: TabChannel[] = [];

beforeEach(() => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db') });
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const ch of channels.splice(0)) ch.close();
  await server.close();
  dir.remove();
});

async function tab(name: string) {
  const tabs = broadcastTabChannel(`till-${dir.path}`);
  if (tabs === undefined) throw new Error('this Node has no BroadcastChannel');
  channels.push(tabs);
  const client = await createClient({
    store: await openSqliteStore(join(dir.path, 'till.db')),
    transport: server.transport(),
    tabs,
    leaseMs: 60_000, // the first tab keeps the lease for the whole test
    pullIntervalMs: 0,
  });
  clients.push(client);
  const heard: Array<RecordsChange & { source: string }> = [];
  client.on('records.changed', (e) => heard.push(...e.changes.map((c) => ({ ...c, source: e.source }))));
  const synced = { cycles: 0 };
  client.on('sync.started', () => (synced.cycles += 1));
  return { name, client, heard, synced };
}

async function until(check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('tabs on one database', () => {
  it("the follower's writes are synced by the leader, and both hear each other's changes", async () => {
    const leader = await tab('leader');
    await until(async () => (await leader.client.history(1)).length === 1); // its start cycle took the lease
    const follower = await tab('follower');

    await follower.client.collection('products').put('from-follower', { n: 1 });
    await until(async () => (await serverView(server.transport(), 'products')).length === 1);
    expect(follower.synced.cycles).toBe(0); // it never synced itself: the lease is the leader's
    expect(leader.heard).toContainEqual({ collection: 'products', keys: ['from-follower'], source: 'local' });

    await leader.client.collection('products').put('from-leader', { n: 2 });
    await until(() => follower.heard.some((c) => c.keys.includes('from-leader')));
    await until(async () => (await follower.client.pendingCount()) === 0);
    expect((await follower.client.collection('products').list()).map((r) => r.key)).toEqual(['from-follower', 'from-leader']);
  });

  it('ignores messages of another shape or version', () => {
    expect(parseTabMessage({ v: 2, type: 'sync.requested' })).toBeUndefined();
    expect(parseTabMessage({ v: 1, type: 'records.changed', source: 'local', changes: [{ collection: 'x', keys: [1] }] })).toBeUndefined();
    expect(parseTabMessage('hello')).toBeUndefined();
    expect(parseTabMessage({ v: 1, type: 'records.changed', source: 'remote', changes: [{ collection: 'x', keys: ['a'] }] })).toEqual({
      v: 1,
      type: 'records.changed',
      source: 'remote',
      changes: [{ collection: 'x', keys: ['a'] }],
    });
  });
});
