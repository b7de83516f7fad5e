/** A real node:http server on 127.0.0.1 that answers with whatever the test sets up. */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface CannedReply {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
}

/** Return a reply, or 'hang' to never answer (for timeout and abort tests). */
export type Responder = (request: ReceivedRequest) => CannedReply | 'hang';

export interface CannedServer {
  url: string;
  received: ReceivedRequest[];
  respond(responder: Responder): void;
  /** Resolves when the next request has arrived in full. */
  nextRequest(): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

export async function startCannedServer(): Promise<CannedServer> {
  let responder: Responder = () => ({ status: 500, body: 'no responder set' });
  const received: ReceivedRequest[] = [];
  let waiters: Array<(request: ReceivedRequest) => void> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(request);
      for (const waiter of waiters) waiter(request);
      waiters = [];
      const reply = responder(request);
      if (reply !== 'hang') send(res, reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    respond: (next) => {
      responder = next;
    },
    nextRequest: () => new Promise((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, reply: CannedReply): void {
  const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  const type = typeof reply.body === 'string' ? 'text/plain' : 'application/json';
  res.writeHead(reply.status, { 'content-type': type, ...reply.headers });
  res.end(body);
}
