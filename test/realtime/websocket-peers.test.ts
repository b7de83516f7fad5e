// Presence over the WebSocket channel, real loopback HTTP: two tills report their status, a third
// socket (the back office) sees both with cursor and backlog; a disconnect removes a peer; a socket
// that never reports a status is no peer and is never sent `peers` (old clients keep working).
import { afterEach, expect, it } from 'vitest';
import { rawSocket, serve, until, type Served } from './websocket-rig.js';

let served: Served | undefined;
afterEach(async () => {
  await served?.stop();
  served = undefined;
});

async function connect(base: string) {
  const s = rawSocket(base);
  await s.opened;
  s.socket.send(JSON.stringify({ v: 1, type: 'auth', token: 't' }));
  await until(() => s.messages.some((m) => m['type'] === 'ready'), 'ready');
  return s;
}

const status = (clientId: string, cursor: number, pendingCount: number, oldestPendingAgeMs: number | null) =>
  JSON.stringify({ v: 1, type: 'status', clientId, cursor, pendingCount, oldestPendingAgeMs });

interface SeenPeer { clientId: unknown; cursor: unknown; pendingCount: unknown; oldestPendingAgeMs: unknown }
const lastPeers = (messages: Array<Record<string, unknown>>): SeenPeer[] | undefined =>
  messages.filter((m) => m['type'] === 'peers').at(-1)?.['peers'] as SeenPeer[] | undefined;

it('a back office sees both tills with cursor and backlog; a disconnect removes one; silent sockets get no peers message', async () => {
  served = await serve({ websocket: { peersDebounceMs: 20 } });
  const base = served.http.url;
  const silent = await connect(base);
  const tillA = await connect(base);
  const tillB = await connect(base);
  const office = await connect(base);
  tillA.socket.send(status('till-aaaa-0001', 40, 0, null));
  tillB.socket.send(status('till-bbbb-0002', 31, 3, 95_000));
  office.socket.send(status('office-0000-0001', 40, 0, null));

  const tillsSeen = (peers: readonly SeenPeer[] | undefined): unknown =>
    peers?.filter((p) => String(p['clientId']).startsWith('till')).map(({ clientId, cursor, pendingCount, oldestPendingAgeMs }) => ({ clientId, cursor, pendingCount, oldestPendingAgeMs }));
  const both = [
    { clientId: 'till-aaaa-0001', cursor: 40, pendingCount: 0, oldestPendingAgeMs: null },
    { clientId: 'till-bbbb-0002', cursor: 31, pendingCount: 3, oldestPendingAgeMs: 95_000 },
  ];
  await until(() => JSON.stringify(tillsSeen(lastPeers(office.messages))) === JSON.stringify(both), 'the office sees both tills');
  expect(tillsSeen(served.server.peers('shop'))).toEqual(both);
  expect(served.server.peers('shop').every((p) => p.connectedAt > 0 && p.reportedAt >= p.connectedAt)).toBe(true);
  expect(served.server.peers('other')).toEqual([]);

  tillB.socket.close();
  await until(() => JSON.stringify(tillsSeen(lastPeers(office.messages))) === JSON.stringify(both.slice(0, 1)), 'till B is gone');
  expect(tillsSeen(served.server.peers('shop'))).toEqual(both.slice(0, 1));

  // Never reported: not a peer, never sent a message it would not understand.
  expect(silent.messages.some((m) => m['type'] === 'peers')).toBe(false);
  expect(served.server.peers('shop').map((p) => p.clientId)).not.toContain(undefined);

  // A malformed status is a protocol error like any other bad message.
  tillA.socket.send(JSON.stringify({ v: 1, type: 'status', clientId: 'x', cursor: -1 }));
  await until(() => tillA.closed()?.code === 4000, 'a bad status closes with 4000');
  for (const s of [silent, office]) s.socket.close();
});
