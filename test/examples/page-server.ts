// One loopback origin for a browser example: the page and its bundle, and everything else handed to
// the sync server's fetch handler (responses streamed, so the Server-Sent Events stream stays open).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { SyncServer } from '../../src/server.js';

export async function servePage(sync: SyncServer, files: Record<string, [body: string, type: string]>): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requests.push(`${req.method ?? 'GET'} ${path}`);
    const file = files[path];
    if (file !== undefined) {
      res.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-store' }).end(file[0]);
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const body = chunks.length === 0 ? undefined : Buffer.concat(chunks);
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    const response = await sync.fetch(new Request(`http://127.0.0.1${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, signal: controller.signal, ...(body === undefined ? {} : { body }) }));
    const out: Record<string, string> = {};
    response.headers.forEach((value, key) => (out[key] = value));
    res.writeHead(response.status, out);
    if (response.body === null) res.end();
    else Readable.fromWeb(response.body as WebReadableStream).pipe(res);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
