/**
 * A real HTTP receiver on loopback for effect and webhook tests. It records every request in arrival
 * order and "performs" a request once per Idempotency-Key (as an external API that deduplicates
 * would); `respond` decides each answer (status, or 'hang' to never answer, simulating a timeout).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  key: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
}

export type Respond = (request: Received, attempt: number) => number | 'hang' | Promise<number | 'hang'>;

export interface Receiver {
  url: string;
  /** Every request, in arrival order (duplicates included). */
  requests: Received[];
  /** Idempotency-Key → times performed (the receiver performs a key once: always 1). */
  performed: Map<string, number>;
  /** Keys in the order they were first performed. */
  order: string[];
  /** Requests seen per key (> 1: redelivered). */
  attempts: Map<string, number>;
  respond: Respond;
  close(): Promise<void>;
}

export async function startReceiver(respond: Respond = () => 200): Promise<Receiver> {
  const hanging = new Set<() => void>();
  const receiver: Receiver = {
    url: '',
    requests: [],
    performed: new Map(),
    order: [],
    attempts: new Map(),
    respond,
    close: async () => {
      for (const end of hanging) end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const key = header(req.headers['idempotency-key']) ?? header(req.headers['webhook-id']);
        const received: Received = { key, headers: req.headers, body, json: body === '' ? undefined : JSON.parse(body) };
        receiver.requests.push(received);
        const attempt = (receiver.attempts.get(key ?? '') ?? 0) + 1;
        receiver.attempts.set(key ?? '', attempt);
        const answer = await receiver.respond(received, attempt);
        if (answer === 'hang') {
          const end = (): void => void res.destroy();
          hanging.add(end);
          res.on('close', () => hanging.delete(end));
          return;
        }
        if (answer >= 200 && answer < 300 && key !== undefined) {
          const times = receiver.performed.get(key) ?? 0;
          // Deduplicate: a key already performed is acknowledged again, not performed again.
          if (times === 0) receiver.order.push(key);
          receiver.performed.set(key, 1);
        }
        res.writeHead(answer, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: answer < 300, ref: key === undefined ? null : `ext-${key.slice(0, 8)}` }));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
