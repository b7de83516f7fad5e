// Slow clients (slow-loris) against the Node server on loopback: a request whose headers, body or
// first byte trickle in too slowly is cut off with 408 request-timeout and the JSON error body, and its
// connection is closed, while the server keeps serving everyone else.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenAuth } from '../../src/server.js';
import { pullWith, serve, type Served } from './jwt-helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const AUTH = tokenAuth({ 'token-a': 'scope-a' });

async function served(timeouts: { headersMs?: number; requestMs?: number; idleMs?: number }, bodyTimeoutMs?: number): Promise<Served> {
  const s = await serve({ auth: AUTH, ...(bodyTimeoutMs === undefined ? {} : { limits: { bodyTimeoutMs } }) }, { timeouts });
  cleanups.push(() => s.close());
  return s;
}

/**
 * Open a raw connection, send `head`, then one byte of `trickle` every 20 ms until the server closes
 * the connection. Resolves with everything the server sent and how many trickled bytes got out.
 */
function slowClient(url: string, head: string, trickle: string, giveUpMs = 20_000): Promise<{ answer: string; trickled: number }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    let trickled = 0;
    let timer: NodeJS.Timeout | undefined;
    cleanups.push(() => {
      clearInterval(timer);
      socket.destroy();
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => {}); // a reset after the answer is the server cutting us off
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, trickled });
    });
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (trickled >= trickle.length || socket.destroyed) return;
        socket.write(trickle[trickled] ?? '');
        trickled += 1;
      }, 20);
    });
    setTimeout(() => reject(new Error(`the server never cut the slow client off; got ${JSON.stringify(answer)}`)), giveUpMs).unref();
  });
}

function parseAnswer(answer: string): { status: number; body: { error: { code: string; retryable: boolean } } } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
  const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
  return { status, body: JSON.parse(body) as never };
}

const HEADERS_FOREVER = 'X-Slow: ' + 'a'.repeat(5000);

describe('slow clients', () => {
  it('headers trickling in past headersMs: 408 request-timeout with the JSON body, connection closed', async () => {
    const s = await served({ headersMs: 300, requestMs: 10_000 });
    const { answer, trickled } = await slowClient(s.http.url, 'POST /v1/pull HTTP/1.1\r\nHost: x\r\n', HEADERS_FOREVER);
    expect(parseAnswer(answer)).toMatchObject({ status: 408, body: { error: { code: 'request-timeout', retryable: true } } });
    expect(trickled).toBeLessThan(HEADERS_FOREVER.length);
    expect((await pullWith(s.http.url, 'token-a')).status).toBe(200); // everyone else is still served
  });

  it('a body trickling in past the server\'s body deadline: 408 request-timeout with the JSON body', async () => {
    const s = await served({ headersMs: 10_000, requestMs: 20_000 }, 300);
    const body = JSON.stringify({ v: 1, clientId: 'client-slow-0001', cursor: 0, limit: 10, pad: 'x'.repeat(4000) });
    const head = `POST /v1/pull HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer token-a\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const { answer, trickled } = await slowClient(s.http.url, head, body);
    expect(parseAnswer(answer)).toMatchObject({ status: 408, body: { error: { code: 'request-timeout', retryable: true } } });
    expect(trickled).toBeLessThan(body.length);
  });

  it('a body trickling in past requestMs (the Node limit over headers and body): 408 with the JSON body', async () => {
    const s = await served({ headersMs: 200, requestMs: 400 }, 60_000);
    const body = JSON.stringify({ v: 1, clientId: 'client-slow-0002', cursor: 0, limit: 10, pad: 'x'.repeat(4000) });
    const head = `POST /v1/pull HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer token-a\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const { answer, trickled } = await slowClient(s.http.url, head, body);
    expect(parseAnswer(answer)).toMatchObject({ status: 408, body: { error: { code: 'request-timeout' } } });
    expect(trickled).toBeLessThan(body.length);
  });

  it('a connection that sends nothing is closed after idleMs (long before the header and request limits)', async () => {
    const s = await served({ headersMs: 30_000, requestMs: 60_000, idleMs: 300 });
    const { answer } = await slowClient(s.http.url, '', '', 10_000);
    expect(answer).toBe(''); // nothing was asked, so nothing is answered
  });

  it('refuses unusable timeouts', async () => {
    await expect(serve({ auth: AUTH }, { timeouts: { headersMs: 0 } })).rejects.toThrow(/timeouts.headersMs/);
  });
});
