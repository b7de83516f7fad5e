/**
 * The Node half of WebSocket pokes: `ws` answers HTTP upgrades on the server's socket path and hands
 * each socket to `server.websocket.accept`. `ws` is an optional peer dependency, loaded only here and
 * only when serveNode asks for sockets.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type * as Ws from 'ws';
import { MAX_SOCKET_MESSAGE } from '../transport/websocket-messages.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { SyncServer } from './types.js';

export interface AttachedSockets {
  /** Cut every socket still open (after server.close() has said goodbye with 1001) and stop upgrading. */
  close(): void;
}

export async function attachWebSockets(http: Server, server: SyncServer, host: string, required: boolean): Promise<AttachedSockets | undefined> {
  let ws: typeof Ws;
  try {
    ws = await import('ws');
  } catch (error) {
    if (!required) return undefined;
    throw new InvalidArgumentError('WebSocket pokes need the optional dependency "ws": run `npm install ws`, or pass { websocket: false }.', { cause: error });
  }
  // A UTF-8 character is at most 4 bytes; anything bigger than the largest message is refused by ws.
  const wss = new ws.WebSocketServer({ noServer: true, maxPayload: MAX_SOCKET_MESSAGE * 4, perMessageDeflate: false });
  const endpoint = server.websocket;
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? host}`);
    if (url.pathname !== endpoint.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (client) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers.set(name, value);
        else if (Array.isArray(value)) headers.set(name, value.join(', '));
      }
      endpoint.accept(client, new Request(url, { headers }));
    });
  };
  http.on('upgrade', onUpgrade);
  return {
    close() {
      http.off('upgrade', onUpgrade);
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}
