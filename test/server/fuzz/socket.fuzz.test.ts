/**
 * The socket-level part of the fuzz suite: raw bytes a broken or hostile HTTP client might send
 * (odd request lines, header syntax, framing). Every answer must be a well-formed HTTP response below
 * 500 whose error body is the documented JSON. Fewer cases than in-process: each one is a connection.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { serveNode } from '../../../src/server.js';
import type { NodeServerHandle } from '../../../src/server.js';
import { startServer, writableNotes } from '../helpers.js';
import type { TestServer } from '../helpers.js';
import { DOCUMENTED_CODES } from './check.js';

const RUNS = process.env.CI === 'true' ? 1000 : 100;

function exchange(port: number, raw: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve(Buffer.concat(chunks)) : reject(error)));
    // Half-close after sending: a request that waits for more body then ends early.
    socket.end(raw);
  });
}

const token = fc.constantFrom('GET', 'POST', 'OPTIONS', 'G\u00c9T', '', ' ', 'POST /v1/push', 'GET /v1/health');
const target = fc.constantFrom('/v1/push', '/v1/pull', '/v1/health', '*', 'http://x/v1/health', '/v1/push?x=%', '', '/\u0000', '/%ff');
const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 extra', 'http/1.1', '');
const header = fc.oneof(
  fc.constantFrom('host: x', 'content-type: application/json', 'authorization: Bearer token-a', 'content-length: 5', 'content-length: -1', 'content-length: 99999999999999999999', 'content-length: 2, 3', 'transfer-encoding: chunked', 'transfer-encoding: gzip, chunked', 'content-encoding: gzip', 'expect: 100-continue', 'x: \u00ff', ': empty name', 'bad header', ' folded: line', 'connection: upgrade', 'upgrade: websocket'),
  fc.tuple(fc.string({ unit: 'binary-ascii', maxLength: 12 }), fc.string({ unit: 'binary-ascii', maxLength: 20 })).map(([k, v]) => `${k}: ${v}`),
);
const rawRequest = fc
  .record({ token, target, version, headers: fc.array(header, { maxLength: 6 }), body: fc.oneof(fc.constant(''), fc.constant('{"v":1}'), fc.constant('5\r\nhello\r\n0\r\n\r\n'), fc.string({ unit: 'binary-ascii', maxLength: 30 })) })
  .map(({ token: t, target: p, version: v, headers, body }) => Buffer.from(`${t} ${p} ${v}\r\n${headers.join('\r\n')}${headers.length > 0 ? '\r\n' : ''}\r\n${body}`, 'latin1'));

describe('socket-level fuzzing', () => {
  let t: TestServer;
  let http: NodeServerHandle;
  beforeAll(async () => {
    t = startServer({ collections: writableNotes });
    http = await serveNode(t.server);
  });
  afterAll(async () => {
    await http?.close();
    await t?.cleanup();
  });

  it('answers every raw request below 500, with the JSON error body on errors', async () => {
    await fc.assert(
      fc.asyncProperty(rawRequest, async (raw) => {
        const answer = await exchange(http.port, raw);
        // The peer may close without an answer only when it sent nothing parseable as a start.
        if (answer.length === 0) return;
        const text = answer.toString('latin1');
        const what = `request ${JSON.stringify(raw.toString('latin1'))} → ${JSON.stringify(text.slice(0, 300))}`;
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1]);
        if (!(status >= 100 && status < 500)) throw new Error(`status ${status}: ${what}`);
        if (status < 400) return;
        const body = text.split('\r\n\r\n').slice(1).join('\r\n\r\n');
        // Responses to several pipelined requests, or chunked: take the first JSON object.
        const json = /\{"error":\{.*?\}\}/.exec(body)?.[0];
        if (json === undefined) throw new Error(`error without a JSON body: ${what}`);
        const code = (JSON.parse(json) as { error: { code: string } }).error.code;
        if (!DOCUMENTED_CODES.has(code)) throw new Error(`undocumented code ${code}: ${what}`);
      }),
      { numRuns: RUNS },
    );
  });
});
