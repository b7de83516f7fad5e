// `client.peers()` over real loopback HTTP and real sockets: a till (A) and a back office (B), both
// with presence on. B sees A online with its backlog and the age of its oldest pending write, sees the
// backlog drain when A syncs, and sees A go offline when A closes. Without a socket (SSE, or presence
// off) `peers()` is undefined — "unknown", not "nobody".
import { WebSocket } from 'ws';
import { afterEach, expect, it } from 'vitest';
import { createClient, createRealtimePokes, type PeerInfo, type SynclineClient, type WebSocketConstructor } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { serve, until, type Served } from './websocket-rig.js';

const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const channels = new Map<SynclineClient, () => void>();

async function device(url: string, options: { autoSync: boolean; presence: boolean; sources?: Array<'websocket' | 'sse'> }): Promise<SynclineClient> {
  const realtime = createRealtimePokes({
    url, token: 't', WebSocket: NodeWebSocket,
    ...(options.presence ? { presence: { minIntervalMs: 20 } } : {}),
    ...(options.sources === undefined ? {} : { sources: options.sources }),
  });
  const client = await createClient({ store: createMemoryStore(), transport: createHttpTransport({ url, token: 't' }), realtime, autoSync: options.autoSync, pullIntervalMs: 0 });
  cleanups.push(() => realtime.close(), () => client.close());
  channels.set(client, () => realtime.close());
  return client;
}

async function started(): Promise<Served> {
  // A long heartbeat: the status refresh it carries must not stand in for a report after a change.
  const served = await serve({ heartbeatMs: 120_000, websocket: { peersDebounceMs: 20 } });
  cleanups.push(() => served.stop());
  return served;
}

const peerOf = (client: SynclineClient, clientId: string): PeerInfo | undefined => client.peers()?.find((p) => p.clientId === clientId);

it('a back office sees the till online with its backlog and oldest pending age, the drain, and the till going offline', async () => {
  const { http } = await started();
  const till = await device(http.url, { autoSync: false, presence: true });
  const office = await device(http.url, { autoSync: true, presence: true });
  const events: Array<PeerInfo[] | undefined> = [];
  office.on('peers.changed', (e) => events.push(e.peers));

  await till.collection('products').put('croissant', { price: '1.50' });
  await till.collection('products').put('baguette', { price: '1.10' });
  await until(() => peerOf(office, till.clientId)?.backlog === 2, 'the office sees a backlog of 2');
  const waiting = peerOf(office, till.clientId);
  expect(waiting).toMatchObject({ online: true, self: false, backlog: 2, cursor: 0 });
  expect(waiting?.oldestPendingAgeMs).not.toBeNull();
  expect(peerOf(office, office.clientId)).toMatchObject({ online: true, self: true });
  expect(events.length).toBeGreaterThan(0);

  await till.sync();
  // The backlog empties with the push, the cursor moves with the pull after it: both arrive.
  await until(() => peerOf(office, till.clientId)?.backlog === 0 && peerOf(office, till.clientId)?.cursor === 2, 'the office sees the till drained');
  expect(peerOf(office, till.clientId)).toMatchObject({ online: true, backlog: 0, oldestPendingAgeMs: null, cursor: 2 });

  await till.close();
  channels.get(till)?.(); // the till's realtime channel: its socket closes
  await until(() => peerOf(office, till.clientId)?.online === false, 'the office sees the till offline');
  const gone = peerOf(office, till.clientId);
  expect(gone).toMatchObject({ online: false, backlog: 0 });
  expect(gone?.lastSeen).toBeGreaterThan(0);
  expect(events.at(-1)?.find((p) => p.clientId === till.clientId)?.online).toBe(false);
});

it('over SSE, or with presence off, peers() is undefined (unknown), never an empty list', async () => {
  const { http } = await started();
  const overSse = await device(http.url, { autoSync: true, presence: true, sources: ['sse'] });
  const quiet = await device(http.url, { autoSync: true, presence: false });
  const watcher = await device(http.url, { autoSync: true, presence: true });
  await until(() => peerOf(watcher, watcher.clientId) !== undefined, 'the watcher has a peer list');
  await overSse.sync();
  await quiet.sync();
  expect(overSse.peers()).toBeUndefined();
  expect(quiet.peers()).toBeUndefined();
  // Neither reported, so neither is anyone's peer.
  expect(watcher.peers()?.map((p) => p.clientId)).toEqual([watcher.clientId]);
});
