// Shared pieces of the WebSocket poke tests: a server on real loopback HTTP, clients that listen to
// pokes only (no interval pulls), and a raw `ws` socket for poking at the server's side of things.
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { createClient, type RealtimeChannel, type SynclineClient } from '../../src/index.js';
import { createSyncServer, serveNode, tokenAuth, type NodeServerHandle, type SyncServer, type SyncServerOptions } from '../../src/server.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { socketUrl } from '../../src/transport/websocket-pokes.js';
import { tempDir } from '../helpers/harness.js';

export const products = { products: { writable: true } };

export interface Served {
  server: SyncServer;
  http: NodeServerHandle;
  stop(): Promise<void>;
}

export async function serve(options: Partial<SyncServerOptions> = {}, websocket?: boolean): Promise<Served> {
  const dir = tempDir();
  const server = createSyncServer({ database: { sqlite: join(dir.path, 's.db') }, auth: tokenAuth({ t: 'shop' }), collections: products, ...options });
  const http = await serveNode(server, websocket === undefined ? {} : { websocket });
  return {
    server,
    http,
    async stop() {
      await server.close();
      await http.close();
      dir.remove();
    },
  };
}

/** A client that pulls only when poked (and at start). */
export async function listener(url: string, realtime: RealtimeChannel, pullIntervalMs = 0) {
  const client = await createClient({ store: createMemoryStore(), transport: createHttpTransport({ url, token: 't' }), realtime, pullIntervalMs });
  const triggers: string[] = [];
  client.on('sync.started', (e) => triggers.push(e.trigger));
  return { client, triggers };
}

export function writer(url: string): Promise<SynclineClient> {
  return createClient({ store: createMemoryStore(), transport: createHttpTransport({ url, token: 't' }), autoSync: false });
}

export async function until(check: () => boolean | Promise<boolean>, what = 'condition', ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not met in time`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A raw socket to the server's poke endpoint, recording every message and the close code. */
export function rawSocket(base: string) {
  const socket = new WebSocket(socketUrl(base));
  const messages: Array<Record<string, unknown>> = [];
  let closed: { code: number; reason: string } | undefined;
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
  socket.on('close', (code, reason) => (closed = { code, reason: String(reason) }));
  socket.on('error', () => undefined);
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, messages, opened, closed: () => closed };
}
