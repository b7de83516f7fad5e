// Pokes over WebSocket on real loopback HTTP with real sockets: a write by A reaches B through a
// socket poke; auth is the first message; a client without streaming fetch (React Native) gets pokes
// over the socket; the ladder falls back to SSE, then to interval pulls; PostgreSQL across instances.
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { createRealtimePokes, createWebSocketPokes, type WebSocketConstructor } from '../../src/index.js';
import { createSyncServer, serveNode, tokenAuth } from '../../src/server.js';
import { parseSocketMessage, serverSocketMessage, SOCKET_CLOSE } from '../../src/transport/websocket-messages.js';
import { describePostgres } from '../helpers/postgres.js';
import { listener, products, rawSocket, serve, until, writer } from './websocket-rig.js';

const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

/** React Native's fetch: answers, but its response has no readable body stream. */
const nonStreamingFetch = async (request: Request): Promise<Response> => {
  const response = await fetch(request);
  await response.body?.cancel();
  return new Response(null, { status: response.status, headers: response.headers });
};

describe('pokes over WebSocket', () => {
  it("a client without polling pulls another client's write as soon as the socket pokes it", async () => {
    const s = await serve();
    const realtime = createWebSocketPokes({ url: s.http.url, token: 't', WebSocket: NodeWebSocket });
    const b = await listener(s.http.url, realtime);
    const a = await writer(s.http.url);
    try {
      await until(() => realtime.source() === 'websocket', 'socket up');
      await until(() => b.triggers.length > 0, 'first cycle');
      await a.collection('products').put('espresso', { price: '1.20' });
      await a.sync();
      await until(async () => (await b.client.collection('products').get('espresso')) !== undefined, 'B has the write');
      expect(b.triggers).toContain('poke');
      expect(s.server.websocket.stats().sockets).toBe(1);
    } finally {
      await a.close();
      await b.client.close();
      realtime.close();
      await s.stop();
    }
  });

  it('a React Native-like client (fetch cannot stream) gets its pokes over the socket, not SSE', async () => {
    const s = await serve();
    const realtime = createRealtimePokes({ url: s.http.url, token: 't', WebSocket: NodeWebSocket, fetch: nonStreamingFetch });
    const b = await listener(s.http.url, realtime);
    const a = await writer(s.http.url);
    try {
      await until(() => realtime.source() === 'websocket', 'socket up');
      await a.collection('products').put('tea', { price: '1.00' });
      await a.sync();
      await until(async () => (await b.client.collection('products').get('tea')) !== undefined, 'B has the write');
      expect(b.triggers).toContain('poke');
    } finally {
      await a.close();
      await b.client.close();
      realtime.close();
      await s.stop();
    }
  });

  it('falls back to SSE when the server has no socket endpoint', async () => {
    const s = await serve({}, false);
    const realtime = createRealtimePokes({ url: s.http.url, token: 't', WebSocket: NodeWebSocket, reconnectMs: 10, fallbackAfter: 2 });
    const b = await listener(s.http.url, realtime);
    const a = await writer(s.http.url);
    try {
      await until(() => realtime.source() === 'sse', 'fell back to SSE');
      await a.collection('products').put('scone', { price: '2.00' });
      await a.sync();
      await until(async () => (await b.client.collection('products').get('scone')) !== undefined, 'B has the write');
      expect(b.triggers).toContain('poke');
    } finally {
      await a.close();
      await b.client.close();
      realtime.close();
      await s.stop();
    }
  });

  it('with neither a WebSocket nor a streaming fetch, interval pulls still bring the write', async () => {
    const s = await serve();
    const noSocket = undefined as unknown as WebSocketConstructor; // as on a platform without one
    const realtime = createRealtimePokes({ url: s.http.url, token: 't', fetch: nonStreamingFetch, ...(globalThis.WebSocket === undefined ? {} : { sources: ['sse'] }), WebSocket: noSocket });
    const b = await listener(s.http.url, realtime, 50);
    const a = await writer(s.http.url);
    try {
      await a.collection('products').put('bun', { price: '0.80' });
      await a.sync();
      await until(async () => (await b.client.collection('products').get('bun')) !== undefined, 'B has the write');
      expect(realtime.source()).toBeUndefined();
      expect(b.triggers).not.toContain('poke');
      expect(b.triggers).toContain('interval');
    } finally {
      await a.close();
      await b.client.close();
      realtime.close();
      await s.stop();
    }
  });

  it('authenticates with the first message: good token → ready with the version; bad or missing → 4001', async () => {
    const s = await serve({ websocket: { authTimeoutMs: 200 } });
    try {
      const good = rawSocket(s.http.url);
      await good.opened;
      good.socket.send(JSON.stringify({ v: 1, type: 'auth', token: 't' }));
      await until(() => good.messages.length > 0, 'ready');
      expect(good.messages[0]).toEqual({ v: 1, type: 'ready', version: 0, heartbeatMs: 15_000 });
      good.socket.send(JSON.stringify({ v: 1, type: 'heartbeat' }));
      await until(() => good.messages.length > 1, 'heartbeat answer');
      expect(good.messages[1]).toEqual({ v: 1, type: 'heartbeat' });
      good.socket.close();

      const bad = rawSocket(s.http.url);
      await bad.opened;
      bad.socket.send(JSON.stringify({ v: 1, type: 'auth', token: 'wrong' }));
      await until(() => bad.closed() !== undefined, 'bad token closed');
      expect(bad.closed()?.code).toBe(SOCKET_CLOSE.unauthenticated);
      expect(bad.messages).toEqual([]);

      const silent = rawSocket(s.http.url);
      await silent.opened;
      await until(() => silent.closed() !== undefined, 'silent socket closed');
      expect(silent.closed()?.code).toBe(SOCKET_CLOSE.unauthenticated);

      const foreign = rawSocket(s.http.url);
      await foreign.opened;
      foreign.socket.send(JSON.stringify({ v: 2, type: 'auth', token: 't' }));
      await until(() => foreign.closed() !== undefined, 'foreign version closed');
      expect(foreign.closed()?.code).toBe(SOCKET_CLOSE.protocolError);
    } finally {
      await s.stop();
    }
  });

  it('the client accepts only version-1 messages of a known type', () => {
    expect(parseSocketMessage(serverSocketMessage, '{"v":1,"type":"poke","version":7}')).toEqual({ v: 1, type: 'poke', version: 7 });
    expect(parseSocketMessage(serverSocketMessage, '{"v":2,"type":"poke","version":7}')).toBeUndefined();
    expect(parseSocketMessage(serverSocketMessage, '{"v":1,"type":"poke","version":-1}')).toBeUndefined();
    expect(parseSocketMessage(serverSocketMessage, '{"v":1,"type":"gossip"}')).toBeUndefined();
    expect(parseSocketMessage(serverSocketMessage, 'not json')).toBeUndefined();
  });

  it('server shutdown closes sockets with 1001 and leaves none open', async () => {
    const s = await serve();
    const raw = rawSocket(s.http.url);
    await raw.opened;
    raw.socket.send(JSON.stringify({ v: 1, type: 'auth', token: 't' }));
    await until(() => raw.messages.length > 0, 'ready');
    await s.stop();
    await until(() => raw.closed() !== undefined, 'closed');
    expect(raw.closed()?.code).toBe(SOCKET_CLOSE.goingAway);
    expect(s.server.websocket.stats().sockets).toBe(0);
  });
});

describePostgres('WebSocket pokes across server instances', (pg) => {
  it('a write through instance 1 pokes a socket client of instance 2', async () => {
    const url = await pg.createDatabase();
    const one = createSyncServer({ database: { postgres: url }, auth: tokenAuth({ t: 'shop' }), collections: products });
    const two = createSyncServer({ database: { postgres: url }, auth: tokenAuth({ t: 'shop' }), collections: products });
    const [h1, h2] = [await serveNode(one), await serveNode(two)];
    const realtime = createWebSocketPokes({ url: h2.url, token: 't', WebSocket: NodeWebSocket });
    const b = await listener(h2.url, realtime);
    const a = await writer(h1.url);
    try {
      await until(() => realtime.source() === 'websocket' && b.triggers.length > 0, 'socket up');
      await a.collection('products').put('croissant', { price: '1.50' });
      await a.sync();
      await until(async () => (await b.client.collection('products').get('croissant')) !== undefined, 'B has the write');
      expect(b.triggers).toContain('poke');
      expect(two.websocket.stats().sockets).toBe(1);
      expect(one.websocket.stats().sockets).toBe(0);
    } finally {
      await a.close();
      await b.client.close();
      realtime.close();
      await h1.close();
      await h2.close();
      await one.close();
      await two.close();
    }
  });
});
