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
    // Every refusal carries the protocol's JSON error body, as every other answer does; ws's own
    // handshake refusals would not, so what it checks is checked here first.
    if (pathOf(req.url) !== endpoint.path) {
      refuseUpgrade(socket, 404, 'Not Found', 'not-found', `No WebSocket endpoint at this path; connect to ${endpoint.path}.`);
      return;
    }
    if (req.method !== 'GET' || req.headers.upgrade?.toLowerCase() !== 'websocket' || req.headers['sec-websocket-version'] !== '13' || !/^[+/0-9A-Za-z]{22}==$/.test(req.headers['sec-websocket-key'] ?? '')) {
      refuseUpgrade(socket, 400, 'Bad Request', 'invalid-request', 'Not a valid WebSocket handshake: send GET with Upgrade: websocket, Sec-WebSocket-Version: 13 and a Sec-WebSocket-Key.');
      return;
    }
    wss.handleUpgrade(req, socket, head, (client) => {
      const headers = new Headers();
      try {
        for (const [name, value] of Object.entries(req.headers)) {
          if (typeof value === 'string') headers.set(name, value);
          else if (Array.isArray(value)) headers.set(name, value.join(', '));
        }
      } catch {
        // A header a Web Headers object cannot hold: nothing the endpoint could read from it.
        client.close(4000, 'unreadable headers');
        return;
      }
      endpoint.accept(client, new Request(new URL(endpoint.path, `http://${host.includes(':') ? `[${host}]` : host}`), { headers }));
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

/** The request target's path, or '' when it is not one a URL can be made of. */
function pathOf(target: string | undefined): string {
  try {
    return new URL(target ?? '/', 'http://localhost').pathname;
  } catch {
    return '';
  }
}

function refuseUpgrade(socket: Duplex, status: number, reason: string, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message, retryable: false } });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
