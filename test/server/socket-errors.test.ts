/**
 * What reaches the server over a real socket before (or instead of) a whole request: Node's parser
 * refusals get the JSON error body, and a client that hangs up mid-upload is no server failure.
 */
import { connect } from 'node:net';
import { afterEach, expect, it, describe } from 'vitest';
import { serveNode } from '../../src/server.js';
import type { NodeServerHandle } from '../../src/server.js';
import { recordingLogger, startServer, writableNotes } from './helpers.js';
import type { TestServer } from './helpers.js';

let t: TestServer | undefined;
let http: NodeServerHandle | undefined;
afterEach(async () => {
  await http?.close();
  await t?.cleanup();
  http = undefined;
  t = undefined;
});

/** Send raw bytes, read until the server closes (or `untilHeaders`): the whole answer as text. */
function exchange(port: number, raw: string, endAfterWrite = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.write(raw, () => {
      if (endAfterWrite) socket.end();
    });
  });
}

function parse(answer: string): { status: number; headers: string; body: { error: { code: string; message: string; retryable: boolean } } } {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body: JSON.parse(body) };
}

describe('socket-level errors', () => {
  it('answers oversized headers 431 with the JSON error body', async () => {
    t = startServer();
    http = await serveNode(t.server);
    const answer = parse(await exchange(http.port, `GET /v1/health HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(answer.status).toBe(431);
    expect(answer.headers).toContain('content-type: application/json');
    expect(answer.body.error).toMatchObject({ code: 'headers-too-large', retryable: false });
  });

  const malformed: Array<[string, string]> = [
    ['an invalid header line', 'POST /v1/push HTTP/1.1\r\nhost: x\r\nno colon here\r\n\r\n'],
    ['both Content-Length and chunked framing', 'POST /v1/push HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['a broken chunk size', 'POST /v1/push HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n'],
  ];
  for (const [what, raw] of malformed) {
    it(`answers ${what} 400 with the JSON error body`, async () => {
      t = startServer();
      http = await serveNode(t.server);
      const answer = parse(await exchange(http.port, raw));
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'malformed-request', retryable: false });
    });
  }

  it('does not log a client that hangs up mid-upload as a server failure', async () => {
    const { logger, entries } = recordingLogger();
    t = startServer({ collections: writableNotes, logger });
    let seen = 0;
    const server = t.server;
    const original = server.fetch.bind(server);
    let requestSeen!: () => void;
    const seenPromise = new Promise<void>((resolve) => (requestSeen = resolve));
    server.fetch = async (request) => {
      seen += 1;
      requestSeen();
      return original(request);
    };
    http = await serveNode(server);
    const socket = connect(http.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('POST /v1/push HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer token-a\r\ncontent-length: 100000\r\n\r\n{"v":1,"clientId":');
    await seenPromise;
    socket.destroy();
    // close() waits for the request in flight, so its outcome is logged by then.
    await http.close();
    http = undefined;
    await t.server.close();
    expect(seen).toBe(1);
    expect(entries.filter((e) => e.level === 'error')).toEqual([]);
  });
});
