// A socket whose client stops reading is closed once the bytes queued for it pass the bound, and the
// server never held more than that; a socket that stops answering pings is dropped. Real sockets:
// the stalled client pauses its TCP socket, so the kernel buffers fill and the server's queue grows.
import { describe, expect, it } from 'vitest';
import type { ScopeChangeListener, ScopeFanout } from '../../src/server.js';
import { rawSocket, serve, until } from './websocket-rig.js';

/** A fan-out through which the test plays "another instance committed": pokes as fast as we like. */
function injectingFanout(): ScopeFanout & { deliver: ScopeChangeListener } {
  let deliver: ScopeChangeListener = () => undefined;
  return {
    async start(d) {
      deliver = d;
    },
    publish: () => undefined,
    close: async () => undefined,
    deliver: (change) => deliver(change),
  };
}

async function authed(url: string) {
  const raw = rawSocket(url);
  await raw.opened;
  raw.socket.send(JSON.stringify({ v: 1, type: 'auth', token: 't' }));
  await until(() => raw.messages.length > 0, 'ready');
  return raw;
}

/** The client-side TCP socket of a `ws` client, to stop reading from it. */
const tcp = (socket: unknown) => (socket as { _socket: { pause(): void } })._socket;

describe('WebSocket backpressure and heartbeats', () => {
  it('drops a client that stops reading once its queue passes the bound; the healthy one keeps its pokes', async () => {
    const fanout = injectingFanout();
    const bound = 32 * 1024;
    const s = await serve({ fanout, websocket: { maxBufferedBytes: bound } });
    try {
      const stalled = await authed(s.http.url);
      const healthy = await authed(s.http.url);
      tcp(stalled.socket).pause();
      let version = 0;
      // Until the kernel's buffers are full the server's queue stays empty; then it grows to the bound.
      while (s.server.websocket.stats().droppedTooSlow === 0 && version < 2_000_000) {
        for (let i = 0; i < 2000; i += 1) fanout.deliver({ scope: 'shop', version: ++version });
        await new Promise((r) => setImmediate(r));
      }
      const stats = s.server.websocket.stats();
      expect(stats.droppedTooSlow).toBe(1);
      // Never more than the bound plus one poke frame (~40 bytes) held for the stalled socket.
      expect(stats.largestBufferedBytes).toBeLessThanOrEqual(bound + 64);
      // Closed (then cut after the grace, as it reads nothing), and no longer counted.
      await until(() => s.server.websocket.stats().sockets === 1, 'stalled socket gone');
      // Pokes after the drop still reach the healthy socket.
      fanout.deliver({ scope: 'shop', version: ++version });
      await until(() => healthy.messages.at(-1)?.['version'] === version, 'healthy got the last poke');
      expect(healthy.closed()).toBeUndefined();
      healthy.socket.close();
    } finally {
      await s.stop();
    }
  });

  it('terminates a socket that stops answering pings', async () => {
    const s = await serve({ websocket: { heartbeatMs: 100 } });
    try {
      const dead = await authed(s.http.url);
      tcp(dead.socket).pause(); // pings are never read, so never answered
      await until(() => s.server.websocket.stats().droppedDead === 1, 'dead socket dropped');
      await until(() => s.server.websocket.stats().sockets === 0, 'no sockets left');
    } finally {
      await s.stop();
    }
  });
});
