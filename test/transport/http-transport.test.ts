import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortedError, InvalidArgumentError, ProtocolError, ServerError, TimeoutError, TransportError } from '../../src/core/errors.js';
import type { Timers } from '../../src/core/seams.js';
import type { PullRequest, PushRequest, PushResponse } from '../../src/protocol/wire.js';
import { createHttpTransport, type HttpTransportOptions } from '../../src/transport/http-transport.js';
import { startCannedServer, type CannedServer } from './canned-server.js';

const clientId = 'client-0001';
const pushRequest: PushRequest = { v: 1, clientId, mutations: [{ id: 1, name: 'put', args: { note: 'Grüße € 😀' }, createdAt: 1 }] };
const pushResponse: PushResponse = { v: 1, lastMutationId: 1, outcomes: [{ id: 1, status: 'applied', version: 7 }] };
const pullRequest: PullRequest = { v: 1, clientId, cursor: 0, limit: 100 };

/** Real timers that remember which handles are still pending, to prove every deadline is cleared. */
function trackingTimers(): { timers: Timers; pending: Set<unknown> } {
  const pending = new Set<unknown>();
  const timers: Timers = {
    now: () => Date.now(),
    setTimeout(fn, ms) {
      const handle = globalThis.setTimeout(() => {
        pending.delete(handle);
        fn();
      }, ms);
      pending.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      pending.delete(handle);
      globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
  };
  return { timers, pending };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

let server: CannedServer;
let tracked: ReturnType<typeof trackingTimers>;

function transport(extra: Partial<HttpTransportOptions> = {}) {
  return createHttpTransport({ url: server.url, token: 'secret', timers: tracked.timers, ...extra });
}

beforeEach(async () => {
  server = await startCannedServer();
  tracked = trackingTimers();
});

afterEach(async () => {
  await server.close();
});

describe('successful requests', () => {
  it('POSTs a push as JSON with the bearer token and returns the validated response', async () => {
    server.respond(() => ({ status: 200, body: pushResponse }));
    const result = await transport({ headers: { 'x-tenant': 'acme' } }).push(pushRequest);

    expect(result).toEqual(pushResponse);
    const [received] = server.received;
    expect(received?.method).toBe('POST');
    expect(received?.path).toBe('/v1/push');
    expect(received?.headers['content-type']).toBe('application/json');
    expect(received?.headers.authorization).toBe('Bearer secret');
    expect(received?.headers['x-tenant']).toBe('acme');
    expect(JSON.parse(received?.body ?? '')).toEqual(pushRequest);
    expect(tracked.pending.size).toBe(0);
  });

  it('pulls with POST /v1/pull and checks health with GET /v1/health under a path prefix', async () => {
    const page = { v: 1, cursor: 3, hasMore: false, lastMutationId: 0, changes: [{ collection: 'notes', key: 'a', version: 3, deleted: true }] };
    server.respond((request) => (request.path.endsWith('/pull') ? { status: 200, body: page } : { status: 200, body: { v: 1, status: 'ok' } }));
    const http = transport({ url: `${server.url}/api/` });

    expect(await http.pull(pullRequest)).toEqual(page);
    expect(await http.health()).toEqual({ v: 1, status: 'ok' });
    expect(server.received.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/v1/pull', 'GET /api/v1/health']);
    expect(server.received[1]?.body).toBe('');
  });

  it('asks a token function for a token with reason "initial"', async () => {
    server.respond(() => ({ status: 200, body: pushResponse }));
    const reasons: string[] = [];
    await transport({ token: async ({ reason }) => (reasons.push(reason), 'from-fn') }).push(pushRequest);

    expect(reasons).toEqual(['initial']);
    expect(server.received[0]?.headers.authorization).toBe('Bearer from-fn');
  });

  it('after a 401 asks the token function again with reason "refresh" and resends once', async () => {
    server.respond((request) =>
      request.headers.authorization === 'Bearer fresh'
        ? { status: 200, body: pushResponse }
        : { status: 401, body: { error: { code: 'unauthenticated', message: 'token expired', retryable: false } } },
    );
    const reasons: string[] = [];
    const http = transport({ token: ({ reason }) => (reasons.push(reason), reason === 'initial' ? 'stale' : 'fresh') });

    expect(await http.push(pushRequest)).toEqual(pushResponse);
    expect(reasons).toEqual(['initial', 'refresh']);
    expect(http.stats().requests).toBe(2);
  });

  it('counts requests and the UTF-8 bytes of request and response bodies', async () => {
    const replyText = JSON.stringify({ ...pushResponse, outcomes: [{ id: 1, status: 'applied', version: 7, result: 'ünïcödé ✓' }] });
    server.respond(() => ({ status: 200, body: replyText, headers: { 'content-type': 'application/json' } }));
    const http = transport();
    await http.push(pushRequest);
    await http.push(pushRequest);

    expect(http.stats()).toEqual({
      requests: 2,
      bytesSent: 2 * Buffer.byteLength(server.received[0]?.body ?? 'x'),
      bytesReceived: 2 * Buffer.byteLength(replyText),
    });
    expect(Buffer.byteLength(server.received[0]?.body ?? '')).toBeGreaterThan((server.received[0]?.body ?? '').length);
  });
});

describe('error responses', () => {
  const cases = [
    { status: 400, serverCode: 'invalid-request', retryable: false, code: 'http' },
    { status: 401, serverCode: 'unauthenticated', retryable: false, code: 'unauthenticated' },
    { status: 403, serverCode: 'forbidden', retryable: false, code: 'forbidden' },
    { status: 409, serverCode: 'mutation-gap', retryable: false, code: 'mutation-gap' },
    { status: 409, serverCode: 'reset-required', retryable: false, code: 'server-reset' },
    { status: 413, serverCode: 'too-large', retryable: false, code: 'too-large' },
    { status: 503, serverCode: 'overloaded', retryable: true, code: 'unavailable' },
  ] as const;

  it.each(cases)('maps $status $serverCode to ServerError code $code', async ({ status, serverCode, retryable, code }) => {
    const details = { expected: 5 };
    server.respond(() => ({ status, body: { error: { code: serverCode, message: `server says ${serverCode}`, retryable, details } } }));
    const error = await rejectionOf(transport().push(pushRequest));

    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status, serverCode, code, retryable, details, message: `server says ${serverCode}`, retryAfterMs: undefined });
    expect(tracked.pending.size).toBe(0);
  });

  it('reads Retry-After in seconds', async () => {
    server.respond(() => ({ status: 429, headers: { 'retry-after': '7' }, body: { error: { code: 'rate-limited', message: 'slow down', retryable: true } } }));
    const error = await rejectionOf(transport().push(pushRequest));

    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 429, code: 'rate-limited', retryable: true, retryAfterMs: 7000 });
  });

  it('reads Retry-After as an HTTP date', async () => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    server.respond(() => ({ status: 503, headers: { 'retry-after': at }, body: { error: { code: 'overloaded', message: 'busy', retryable: true } } }));
    const error = await rejectionOf(transport().pull(pullRequest));

    expect(error).toBeInstanceOf(ServerError);
    const { retryAfterMs } = error as ServerError;
    // HTTP dates have whole seconds, so up to one second is lost to rounding.
    expect(retryAfterMs).toBeGreaterThan(110_000);
    expect(retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it.each([
    { status: 502, retryable: true, code: 'internal' },
    { status: 408, retryable: true, code: 'http' },
    { status: 404, retryable: false, code: 'http' },
  ])('maps a $status without an error body to a ServerError naming the status (retryable $retryable)', async ({ status, retryable, code }) => {
    server.respond(() => ({ status, body: '<html>Bad gateway</html>' }));
    const error = await rejectionOf(transport().push(pushRequest));

    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status, serverCode: `http-${status}`, code, retryable });
    expect((error as Error).message).toContain(`HTTP ${status}`);
  });

  it.each([
    { label: 'a body that is not JSON', body: 'OK', message: 'not JSON' },
    { label: 'a wrong protocol version', body: { ...pushResponse, v: 2 }, message: 'v:' },
    { label: 'a missing field', body: { v: 1, outcomes: [] }, message: 'lastMutationId' },
  ])('rejects a 2xx with $label as ProtocolError', async ({ body, message }) => {
    server.respond(() => ({ status: 200, body }));
    const error = await rejectionOf(transport().push(pushRequest));

    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toMatchObject({ retryable: false });
    expect((error as Error).message).toContain(message);
  });
});

describe('requests without a usable response', () => {
  it('times out with TimeoutError and leaves no timer behind', async () => {
    server.respond(() => 'hang');
    const error = await rejectionOf(transport({ timeoutMs: 100 }).push(pushRequest));

    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toContain('100 ms');
    expect(tracked.pending.size).toBe(0);
  });

  it('lets RequestOptions.timeoutMs override the default deadline', async () => {
    server.respond(() => 'hang');
    const error = await rejectionOf(transport({ timeoutMs: 60_000 }).pull(pullRequest, { timeoutMs: 50 }));

    expect(error).toBeInstanceOf(TimeoutError);
    expect(tracked.pending.size).toBe(0);
  });

  it('rejects with AbortedError when the caller aborts mid-request, and clears the deadline', async () => {
    server.respond(() => 'hang');
    const controller = new AbortController();
    const arrived = server.nextRequest();
    const pending = rejectionOf(transport().push(pushRequest, { signal: controller.signal }));
    await arrived;
    controller.abort(new Error('user cancelled'));
    const error = await pending;

    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).retryable).toBe(false);
    expect(tracked.pending.size).toBe(0);
  });

  it('does not send anything when the signal is already aborted', async () => {
    const http = transport();
    const error = await rejectionOf(http.health({ signal: AbortSignal.abort() }));

    expect(error).toBeInstanceOf(AbortedError);
    expect(http.stats().requests).toBe(0);
    expect(server.received).toHaveLength(0);
  });

  it('rejects with TransportError when the connection is refused', async () => {
    const closedUrl = await urlOfClosedPort();
    const error = await rejectionOf(transport({ url: closedUrl }).push(pushRequest));

    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).cause).toBeDefined();
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect(tracked.pending.size).toBe(0);
  });

  it('close() cancels requests in flight and refuses new ones', async () => {
    server.respond(() => 'hang');
    const http = transport();
    const arrived = server.nextRequest();
    const pending = rejectionOf(http.pull(pullRequest));
    await arrived;
    await http.close?.();

    expect(await pending).toBeInstanceOf(AbortedError);
    expect(await rejectionOf(http.health())).toBeInstanceOf(AbortedError);
    expect(tracked.pending.size).toBe(0);
  });
});

describe('a plugged-in fetch', () => {
  it('receives a Request and always has its response body consumed', async () => {
    const responses: Response[] = [];
    const seen: Request[] = [];
    const replies = [
      () => Response.json(pushResponse),
      () => Response.json({ error: { code: 'boom', message: 'exploded', retryable: true } }, { status: 500 }),
      () => new Response('Bad gateway', { status: 502 }),
      () => new Response('{"v":1', { status: 200 }),
    ];
    let next = 0;
    const http = createHttpTransport({
      url: 'http://in-process.test',
      fetch: async (request) => {
        seen.push(request);
        const response = (replies[next++] ?? replies[0])!();
        responses.push(response);
        return response;
      },
    });

    await http.push(pushRequest);
    for (let i = 1; i < replies.length; i++) await rejectionOf(http.push(pushRequest));

    expect(responses.map((r) => r.bodyUsed)).toEqual([true, true, true, true]);
    expect(seen[0]?.url).toBe('http://in-process.test/v1/push');
    expect(seen[0]?.headers.get('authorization')).toBeNull();
    expect(await seen[0]?.json()).toEqual(pushRequest);
  });

  it('rejects a URL that is not absolute http(s)', () => {
    expect(() => createHttpTransport({ url: '127.0.0.1:8787' })).toThrow(InvalidArgumentError);
  });
});

/** A loopback URL on which nothing listens: bind port 0, note the port, close it again. */
async function urlOfClosedPort(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
