// maxResponseBytes: decoded response bodies are bounded while streaming, over real HTTP on loopback.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError, ResponseTooLargeError } from '../../src/core/errors.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';

const MiB = 1024 * 1024;
const BOMB_BYTES = 200 * MiB;

interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

const servers: LoopbackServer[] = [];

afterEach(async () => {
  vi.unstubAllGlobals();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LoopbackServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const loopback = {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(loopback);
  return loopback;
}

/** `total` zero bytes, produced a MiB at a time and never held whole. */
function zeros(total: number): Readable {
  const chunk = Buffer.alloc(MiB);
  let left = total;
  return new Readable({
    read() {
      const size = Math.min(left, chunk.byteLength);
      left -= size;
      this.push(size === 0 ? null : chunk.subarray(0, size));
    },
  });
}

/** A gzip stream of BOMB_BYTES zeros: a few hundred KiB on the wire. */
function gzipBomb(): Readable {
  return zeros(BOMB_BYTES).pipe(createGzip());
}

function serveGzipBomb(): Promise<LoopbackServer> {
  return serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    pipeline(gzipBomb(), res).catch(() => {}); // the client hangs up mid-bomb: expected
  });
}

/**
 * A fetch over node:http that, unlike Node's fetch, leaves gzip alone (as an in-process
 * `server.fetch` does): the transport gets the compressed bytes and must inflate them itself.
 */
function undecodedFetch(request: Request): Promise<Response> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(request.url, { method: request.method, headers: { 'accept-encoding': 'gzip' } }, (incoming) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) if (typeof value === 'string') headers.set(name, value);
      resolve(new Response(Readable.toWeb(incoming) as ReadableStream<Uint8Array>, { status: incoming.statusCode ?? 500, headers }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** A health response padded with spaces to exactly `bytes` bytes of JSON. */
function healthBodyOf(bytes: number): string {
  const json = JSON.stringify({ v: 1, status: 'ok' });
  return json + ' '.repeat(bytes - json.length);
}

/** Largest RSS seen while `work` runs, minus RSS before it. */
async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 1);
  try {
    const result = await work();
    return { result, growth: Math.max(peak, process.memoryUsage().rss) - before };
  } finally {
    clearInterval(sampler);
  }
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('maxResponseBytes', () => {
  it('stops inflating a 200 MiB gzip bomb (decoded by fetch) at the limit, without ballooning memory', async () => {
    const server = await serveGzipBomb();
    const transport = createHttpTransport({ url: server.url, maxResponseBytes: 8 * MiB });
    const { result: error, growth } = await peakRssGrowth(() => rejectionOf(transport.health()));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toMatchObject({ code: 'response-too-large', retryable: false, limitBytes: 8 * MiB });
    expect(growth).toBeLessThan(100 * MiB);
  });

  it.each([
    ['native DecompressionStream', false],
    ['fflate (runtimes without DecompressionStream)', true],
  ])('stops inflating a gzip bomb handed over still compressed (%s)', async (_name, withoutNativeStreams) => {
    if (withoutNativeStreams) vi.stubGlobal('DecompressionStream', undefined);
    const server = await serveGzipBomb();
    const transport = createHttpTransport({ url: server.url, fetch: undecodedFetch, maxResponseBytes: 8 * MiB });
    const { result: error, growth } = await peakRssGrowth(() => rejectionOf(transport.health()));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toMatchObject({ limitBytes: 8 * MiB });
    expect(growth).toBeLessThan(100 * MiB);
  });

  it('stops inflating a bomb that fetch buffered whole (older React Native: no body streams, no DecompressionStream)', async () => {
    vi.stubGlobal('DecompressionStream', undefined);
    const server = await serveGzipBomb();
    const bufferingFetch = async (request: Request): Promise<Response> => {
      const streamed = await undecodedFetch(request);
      const buffered = new Response(await streamed.arrayBuffer(), { status: streamed.status, headers: streamed.headers });
      Object.defineProperty(buffered, 'body', { value: null }); // as React Native's fetch has it
      return buffered;
    };
    const transport = createHttpTransport({ url: server.url, fetch: bufferingFetch, maxResponseBytes: 8 * MiB });
    const { result: error, growth } = await peakRssGrowth(() => rejectionOf(transport.health()));
    expect(error).toMatchObject({ name: 'ResponseTooLargeError', limitBytes: 8 * MiB });
    expect(growth).toBeLessThan(100 * MiB);
  });

  it('defaults to 64 MiB', async () => {
    const server = await serveGzipBomb();
    const error = await rejectionOf(createHttpTransport({ url: server.url }).health());
    expect(error).toMatchObject({ name: 'ResponseTooLargeError', limitBytes: 64 * MiB });
  });

  it('refuses an uncompressed body one byte over the limit, saying the limit, the request and what to do', async () => {
    const limit = 4096;
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(healthBodyOf(limit + 1));
    });
    const error = await rejectionOf(createHttpTransport({ url: server.url, maxResponseBytes: limit }).health());
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    const { message } = error as ResponseTooLargeError;
    expect(message).toContain(`${limit} bytes`);
    expect(message).toContain(`${server.url}/v1/health`);
    expect(message).toContain('pullPageSize');
    expect(message).toContain('maxResponseBytes');
  });

  it('stops reading a body that never ends and hangs up, instead of waiting for it', async () => {
    let hungUp!: () => void;
    const closed = new Promise<void>((resolve) => (hungUp = resolve));
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.on('close', hungUp);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const write = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', write);
      };
      write();
    });
    const error = await rejectionOf(createHttpTransport({ url: server.url, maxResponseBytes: MiB }).health());
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    await closed; // the client cancelled the body, so the socket went away
  });

  it.each([
    ['plain', false, undefined, false],
    ['gzip decoded by fetch', true, undefined, false],
    ['gzip inflated by the transport', true, undecodedFetch, false],
    ['gzip inflated by the transport with fflate', true, undecodedFetch, true],
  ])('accepts a %s body of exactly maxResponseBytes', async (_name, gzip, fetch, withoutNativeStreams) => {
    if (withoutNativeStreams) vi.stubGlobal('DecompressionStream', undefined);
    const limit = 4096;
    const body = healthBodyOf(limit);
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
      res.end(gzip ? gzipSync(body) : body);
    });
    const transport = createHttpTransport({ url: server.url, maxResponseBytes: limit, ...(fetch === undefined ? {} : { fetch }) });
    await expect(transport.health()).resolves.toEqual({ v: 1, status: 'ok' });
  });

  it('is validated like timeoutMs', () => {
    for (const bad of [0, -1, Number.NaN]) {
      expect(() => createHttpTransport({ url: 'http://127.0.0.1:1', maxResponseBytes: bad })).toThrow(InvalidArgumentError);
    }
    expect(() => createHttpTransport({ url: 'http://127.0.0.1:1', maxResponseBytes: Number.POSITIVE_INFINITY })).not.toThrow();
  });
});
