// gzip both ways: the server accepts gzip bodies with a bound on the decompressed size (bombs get
// 413 and store nothing) and compresses responses per Accept-Encoding; the transport compresses
// request bodies above a threshold and counts bytes as they crossed the wire.
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSyncServer, serveNode, tokenAuth, type NodeServerHandle } from '../../src/server.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { pullAll, startServer, type TestServer } from '../server/helpers.js';

let t: TestServer;

beforeEach(() => {
  t = startServer({ collections: { notes: { writable: true } }, limits: { maxBodyBytes: 64 * 1024 } });
});

afterEach(async () => {
  await t.cleanup();
});

function pushBody(padding: number): string {
  const mutations = [{ id: 1, name: 'put', args: { collection: 'notes', key: 'n1', value: { text: ' '.repeat(padding) }, baseVersion: null }, createdAt: 1_700_000_000_000 }];
  return JSON.stringify({ v: 1, clientId: 'client-gzip-0001', mutations });
}

function post(body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  return t.server.fetch(new Request('http://test/v1/push', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer token-a', ...headers }, body }));
}

describe('server: gzip request bodies', () => {
  it('accepts a gzip body and stores it', async () => {
    const response = await post(gzipSync(pushBody(10_000)), { 'content-encoding': 'gzip' });
    expect(response.status).toBe(200);
    expect((await pullAll(t)).size).toBe(1);
  });

  it('refuses a gzip bomb with 413 and stores nothing', async () => {
    const bomb = gzipSync(pushBody(50 * 1024 * 1024)); // 50 MiB of JSON in ~50 KiB
    expect(bomb.byteLength).toBeLessThan(64 * 1024);
    const response = await post(bomb, { 'content-encoding': 'gzip' });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'too-large' } });
    expect((await pullAll(t)).size).toBe(0);
  });

  it('refuses an oversized plain body with 413 and stores nothing', async () => {
    const response = await post(pushBody(100 * 1024));
    expect(response.status).toBe(413);
    expect((await pullAll(t)).size).toBe(0);
  });

  it('answers corrupt gzip with 400 and an unknown encoding with 415', async () => {
    expect((await post('not gzip at all', { 'content-encoding': 'gzip' })).status).toBe(400);
    expect((await post(pushBody(10), { 'content-encoding': 'br' })).status).toBe(415);
    expect((await pullAll(t)).size).toBe(0);
  });
});

describe('server: response compression', () => {
  it('gzips large responses when accepted, leaves small or unaccepted ones alone', async () => {
    await post(pushBody(20_000));
    const pull = (acceptEncoding?: string) =>
      t.server.fetch(new Request('http://test/v1/pull', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer token-a', ...(acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding }) },
        body: JSON.stringify({ v: 1, clientId: 'client-gzip-0001', cursor: 0, limit: 10 }),
      }));
    const gz = await pull('gzip, br');
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(Number(gz.headers.get('content-length'))).toBeLessThan(1000);
    expect((await pull()).headers.get('content-encoding')).toBeNull();
    expect((await pull('gzip;q=0')).headers.get('content-encoding')).toBeNull();
    const health = await t.server.fetch(new Request('http://test/v1/health', { headers: { 'accept-encoding': 'gzip' } }));
    expect(health.headers.get('content-encoding')).toBeNull();
  });
});

describe('transport: compression over real HTTP', () => {
  let node: NodeServerHandle;
  beforeEach(async () => {
    node = await serveNode(t.server);
  });
  afterEach(async () => {
    await node.close();
  });

  async function roundTrip(compress: boolean, clientId: string) {
    const http = createHttpTransport({ url: node.url, token: 'token-a', compression: { requests: compress, responses: compress } });
    const mutations = Array.from({ length: 50 }, (_, i) => ({ id: i + 1, name: 'put', args: { collection: 'notes', key: `${clientId}-${i}`, value: { text: `note ${i} `.repeat(20) }, baseVersion: null }, createdAt: 1_700_000_000_000 }));
    await http.push({ v: 1, clientId, mutations });
    const page = await http.pull({ v: 1, clientId, cursor: 0, limit: 1000 });
    return { stats: http.stats(), page };
  }

  it('sends gzip above the threshold, decodes gzip responses, and counts compressed bytes', async () => {
    const plain = await roundTrip(false, 'client-plain-01');
    const gzip = await roundTrip(true, 'client-gzip-01');
    expect(gzip.page.changes).toHaveLength(100);
    expect(gzip.page.changes.filter((c) => c.key.startsWith('client-plain-01'))).toEqual(plain.page.changes);
    expect(gzip.stats.bytesSent).toBeLessThan(plain.stats.bytesSent / 3);
    // The second pull returns twice the data, yet fewer bytes crossed the wire.
    expect(gzip.stats.bytesReceived).toBeLessThan(plain.stats.bytesReceived / 3);
  });

  it('also decodes gzip when fetch hands over the compressed bytes (in-process server.fetch)', async () => {
    const http = createHttpTransport({ url: 'http://test', token: 'token-a', fetch: (r) => t.server.fetch(r), compression: { requests: true } });
    await http.push(JSON.parse(pushBody(5000)) as never);
    const page = await http.pull({ v: 1, clientId: 'client-gzip-0001', cursor: 0, limit: 10 });
    expect(page.changes).toHaveLength(1);
    expect(http.stats().bytesReceived).toBeLessThan(1000);
    expect(http.stats().bytesSent).toBeLessThan(1000);
  });
});

it('a server without gzip support is still reachable: small bodies are never compressed', async () => {
  const server = createSyncServer({ database: { sqlite: ':memory:' }, auth: tokenAuth({ a: 's' }) });
  let encoding: string | null = 'unset';
  const http = createHttpTransport({ url: 'http://x', token: 'a', compression: { requests: true }, fetch: (r) => ((encoding = r.headers.get('content-encoding')), server.fetch(r)) });
  await http.pull({ v: 1, clientId: 'client-small-01', cursor: 0, limit: 10 });
  expect(encoding).toBeNull();
  await server.close();
});

describe('transport: request compression by default', () => {
  /** Records each request's Content-Encoding and its body size as sent. */
  function recording(compression?: { requests?: boolean; thresholdBytes?: number }) {
    const sent: Array<{ encoding: string | null; bytes: number }> = [];
    const http = createHttpTransport({
      url: 'http://test',
      token: 'token-a',
      ...(compression === undefined ? {} : { compression }),
      fetch: async (r) => {
        const body = await r.clone().arrayBuffer();
        sent.push({ encoding: r.headers.get('content-encoding'), bytes: body.byteLength });
        return t.server.fetch(r);
      },
    });
    return { http, sent };
  }

  it('gzips a push body of 1 KiB or more without being asked, and leaves smaller bodies plain', async () => {
    const { http, sent } = recording();
    await http.push(JSON.parse(pushBody(5000)) as never);
    await http.pull({ v: 1, clientId: 'client-gzip-0001', cursor: 0, limit: 10 });
    expect(sent.map((s) => s.encoding)).toEqual(['gzip', null]);
    expect(sent[0]!.bytes).toBeLessThan(500);
    expect(http.stats().bytesSent).toBe(sent[0]!.bytes + sent[1]!.bytes);
    expect((await pullAll(t)).size).toBe(1);
  });

  it('weighs a body against the threshold in UTF-8 bytes, not characters', async () => {
    const request = { v: 1, clientId: 'client-gzip-0001', mutations: [{ id: 1, name: 'put', args: { collection: 'notes', key: 'n1', value: { text: 'é'.repeat(300) }, baseVersion: null }, createdAt: 1 }] };
    const chars = JSON.stringify(request).length;
    const bytes = Buffer.byteLength(JSON.stringify(request));
    const below = recording({ thresholdBytes: bytes + 1 });
    const at = recording({ thresholdBytes: bytes });
    const pastChars = recording({ thresholdBytes: chars });
    for (const { http } of [below, at, pastChars]) await http.push(request as never);
    expect([below, at, pastChars].map(({ sent }) => sent[0]?.encoding)).toEqual([null, 'gzip', 'gzip']);
    expect(below.http.stats().bytesSent).toBe(bytes);
  });

  it('sends plain JSON when request compression is turned off', async () => {
    const { http, sent } = recording({ requests: false });
    await http.push(JSON.parse(pushBody(5000)) as never);
    expect(sent).toEqual([{ encoding: null, bytes: pushBody(5000).length }]);
  });
});
