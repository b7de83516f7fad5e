// A poke leaves the server as soon as it is written: a poke emitted by a push's commit reaches a
// listener before that push's own response does, over SSE and over WebSocket. Node corks a chunked
// write until the next tick, which used to send an SSE poke only after the whole push response
// (serveNode now flushes event-stream writes at once). Real loopback HTTP, the listener and the
// pusher in one event loop, so the order of arrival follows the order the server wrote in.
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SOCKET_PATH, SOCKET_PROTOCOL_VERSION } from '../../src/transport/websocket-messages.js';
import { serveNode, type NodeServerHandle } from '../../src/server.js';
import { CLIENT, putNote, startServer, writableNotes, type TestServer } from '../server/helpers.js';

const opened: Array<{ t: TestServer; http: NodeServerHandle; sse: Socket | WebSocket }> = [];
afterEach(async () => {
  for (const { t, http, sse } of opened.splice(0)) {
    if (sse instanceof WebSocket) sse.terminate();
    else sse.destroy();
    await http.close();
    await t.cleanup();
  }
});

it('a poke from a push reaches an event stream before the push response reaches its client', async () => {
  const t = startServer({ collections: writableNotes });
  const http = await serveNode(t.server, { port: 0 });
  const port = new URL(http.url).port;
  const sse = connect(Number(port), '127.0.0.1');
  opened.push({ t, http, sse });
  const arrivals: string[] = [];
  let streamed = '';
  let current = 0;
  let opening!: () => void;
  const open = new Promise<void>((resolve) => (opening = resolve));
  sse.on('data', (chunk: Buffer) => {
    streamed += chunk.toString('latin1');
    if (streamed.includes('"version":0')) opening(); // the first poke: the stream is subscribed
    if (current > 0 && streamed.includes(`"version":${current}`) && !arrivals.includes('poke')) arrivals.push('poke');
  });
  sse.write(`GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer token-a\r\nAccept: text/event-stream\r\n\r\n`);
  await open;

  await expectPokesFirst(port, arrivals, (id) => {
    arrivals.length = 0;
    streamed = '';
    current = id;
  });
});

it('a poke from a push reaches a WebSocket before the push response reaches its client', async () => {
  const t = startServer({ collections: writableNotes });
  const http = await serveNode(t.server, { port: 0, websocket: true });
  const port = new URL(http.url).port;
  const socket = new WebSocket(`ws://127.0.0.1:${port}${SOCKET_PATH}`);
  opened.push({ t, http, sse: socket });
  const arrivals: string[] = [];
  let current = 0;
  const ready = new Promise<void>((resolve) => {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; version?: number };
      if (message.type === 'ready') resolve();
      if (message.type === 'poke' && message.version === current) arrivals.push('poke');
    });
  });
  socket.on('open', () => socket.send(JSON.stringify({ v: SOCKET_PROTOCOL_VERSION, type: 'auth', token: 'token-a' })));
  await ready;
  await expectPokesFirst(port, arrivals, (id) => {
    arrivals.length = 0;
    current = id;
  });
});

/** Five pushes of one put each; before each, `expect(id)` resets the listener for version `id`. */
async function expectPokesFirst(port: string, arrivals: string[], expectVersion: (id: number) => void): Promise<void> {
  for (let id = 1; id <= 5; id += 1) {
    expectVersion(id);
    const body = JSON.stringify({ v: 1, clientId: CLIENT, mutations: [putNote(id, `n${id}`)] });
    await new Promise<void>((resolve, reject) => {
      const push = request({ host: '127.0.0.1', port, path: '/v1/push', method: 'POST', headers: { authorization: 'Bearer token-a', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
        arrivals.push(`response ${response.statusCode}`);
        response.resume();
        response.on('end', resolve);
      });
      push.on('error', reject);
      push.end(body);
    });
    await waitFor(() => arrivals.includes('poke'));
    expect(arrivals).toEqual(['poke', 'response 200']);
  }
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!check()) throw new Error('the poke never arrived');
}
