// Presence across two server instances on one PostgreSQL database, real HTTP and real sockets: a
// till connected to instance 1 is listed by instance 2's `server.peers()` and in the `peers` messages
// to a back office connected to instance 2 — with its backlog, the drain, and going offline. And a
// SIGKILLed instance's peers expire on the other one instead of lingering.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterEach, expect, it } from 'vitest';
import { createClient, createRealtimePokes, type PeerInfo, type SynclineClient, type WebSocketConstructor } from '../../src/index.js';
import { createSyncServer, serveNode, tokenAuth, type SyncServerOptions } from '../../src/server.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { describePostgres } from '../helpers/postgres.js';
import { products, until } from '../realtime/websocket-rig.js';

const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;
const INSTANCE = join(import.meta.dirname, 'fixtures', 'presence-instance.ts');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function instance(url: string, websocket: SyncServerOptions['websocket'] = {}) {
  const server = createSyncServer({ database: { postgres: url }, auth: tokenAuth({ t: 'shop' }), collections: products, websocket: { peersDebounceMs: 20, ...websocket } });
  const http = await serveNode(server);
  cleanups.push(async () => {
    await server.close();
    await http.close();
  });
  return { server, url: http.url };
}

async function device(url: string, autoSync: boolean): Promise<{ client: SynclineClient; closeChannel(): void }> {
  const realtime = createRealtimePokes({ url, token: 't', WebSocket: NodeWebSocket, presence: { minIntervalMs: 20 } });
  const client = await createClient({ store: createMemoryStore(), transport: createHttpTransport({ url, token: 't' }), realtime, autoSync, pullIntervalMs: 0 });
  cleanups.push(() => realtime.close(), () => client.close());
  return { client, closeChannel: () => realtime.close() };
}

const peerOf = (client: SynclineClient, clientId: string): PeerInfo | undefined => client.peers()?.find((p) => p.clientId === clientId);

describePostgres('presence across server instances [postgres]', (pg) => {
  it('a till on instance 1 is seen by a back office on instance 2: backlog, drain, offline', async () => {
    const url = await pg.createDatabase();
    // No heartbeat refresh within the test: instance 2 starts after the till reported to instance 1,
    // so it can learn of the till only from the re-announce its `hello` asks for.
    const one = await instance(url, { presenceHeartbeatMs: 600_000 });
    const two = await instance(url, { presenceHeartbeatMs: 600_000 });
    const till = await device(one.url, false);
    await until(() => one.server.peers('shop').length === 1, 'the till reported to instance 1');
    const office = await device(two.url, true);
    await until(() => peerOf(office.client, till.client.clientId)?.online === true, 'instance 2 learnt of the till through hello');

    await till.client.collection('products').put('croissant', { price: '1.50' });
    await till.client.collection('products').put('baguette', { price: '1.10' });
    await until(() => peerOf(office.client, till.client.clientId)?.backlog === 2, 'the office sees the till\'s backlog');
    expect(peerOf(office.client, till.client.clientId)).toMatchObject({ online: true, cursor: 0 });
    expect(peerOf(office.client, till.client.clientId)?.oldestPendingAgeMs).not.toBeNull();
    expect(two.server.peers('shop').find((p) => p.clientId === till.client.clientId)).toMatchObject({ pendingCount: 2 });
    // Each instance lists both devices, whichever one they are connected to.
    await until(() => one.server.peers('shop').length === 2 && two.server.peers('shop').length === 2, 'both instances list both');

    await till.client.sync();
    await until(() => peerOf(office.client, till.client.clientId)?.backlog === 0 && peerOf(office.client, till.client.clientId)?.cursor === 2, 'the office sees the drain');

    till.closeChannel();
    await until(() => peerOf(office.client, till.client.clientId)?.online === false, 'the office sees the till offline');
    expect(two.server.peers('shop').map((p) => p.clientId)).toEqual([office.client.clientId]);
  });

  it('a SIGKILLed instance\'s peers expire on the other instance', async () => {
    const url = await pg.createDatabase();
    const child = await spawnInstance(url);
    // A short refresh and expiry so the test does not wait the default 30 s.
    const two = await instance(url, { presenceHeartbeatMs: 100, presenceTtlMs: 400 });
    const till = await device(child.url, false);
    const office = await device(two.url, true);
    await till.client.collection('products').put('croissant', { price: '1.50' });
    await until(() => peerOf(office.client, till.client.clientId)?.backlog === 1, 'the office sees the till on the other instance');

    child.process.kill('SIGKILL'); // no `bye`, no goodbye of any kind: only expiry can remove its peers
    await until(() => peerOf(office.client, till.client.clientId)?.online === false, 'the office sees the till offline');
    expect(two.server.peers('shop').map((p) => p.clientId)).toEqual([office.client.clientId]);
  });
});

async function spawnInstance(url: string): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', INSTANCE, url], { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += String(chunk);
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`the instance exited (${code}) before listening: ${stderr}`)));
  });
  return { url: base, process: child };
}
