import { afterEach, expect, it } from 'vitest';
import { describeEachDialect, pullAll, putNote, writableNotes } from './helpers.js';
import type { TestServer } from './helpers.js';

let t: TestServer;
afterEach(async () => {
  await t.cleanup();
});

async function errorOf(response: Response): Promise<{ code: string; message: string; retryable: boolean }> {
  const body = (await response.json()) as { error: { code: string; message: string; retryable: boolean } };
  return body.error;
}

function streamOf(bytes: number, chunk = 16 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const size = Math.min(chunk, bytes - sent);
      sent += size;
      controller.enqueue(new Uint8Array(size).fill(0x20));
    },
  });
}

describeEachDialect('HTTP surface', (start) => {
  it('answers health without credentials', async () => {
    t = await start();
    const response = await t.server.fetch(new Request('http://test/v1/health'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ v: 1, status: 'ok' });
  });

  it('serves under a basePath', async () => {
    t = await start({ basePath: '/sync/' });
    expect((await t.server.fetch(new Request('http://test/sync/v1/health'))).status).toBe(200);
    expect((await t.server.fetch(new Request('http://test/v1/health'))).status).toBe(404);
  });

  it('answers 401 without or with an unknown token, and 404/405 for unknown routes and methods', async () => {
    t = await start();
    const noAuth = await t.server.fetch(new Request('http://test/v1/pull', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers.get('www-authenticate')).toBe('Bearer');
    expect(await errorOf(noAuth)).toMatchObject({ code: 'unauthenticated', retryable: false });
    expect((await t.post('/v1/pull', {}, 'wrong-token')).status).toBe(401);
    expect((await t.post('/v1/nothing', {})).status).toBe(404);
    const wrongMethod = await t.server.fetch(new Request('http://test/v1/push'));
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('answers 400 for malformed JSON, wrong shapes and a wrong v — and changes nothing', async () => {
    t = await start({ collections: writableNotes });
    await t.pushOk([putNote(1, 'a')]);
    const malformed = await t.post('/v1/push', '{"v":1,"clientId":');
    expect(malformed.status).toBe(400);
    expect((await errorOf(malformed)).code).toBe('invalid-json');

    const wrongShape = await t.post('/v1/push', { v: 1, clientId: 'client-aaaa-0001', mutations: [{ ...putNote(2, 'b'), id: 0 }] });
    expect(wrongShape.status).toBe(400);
    expect((await errorOf(wrongShape)).message).toContain('mutations.0.id');

    const extraField = await t.post('/v1/pull', { v: 1, clientId: 'client-aaaa-0001', cursor: 0, limit: 5, extra: true });
    expect(extraField.status).toBe(400);

    const badClientId = await t.post('/v1/push', { v: 1, clientId: 'x', mutations: [putNote(2, 'b')] });
    expect((await errorOf(badClientId)).message).toContain('clientId');

    const wrongVersion = await t.post('/v1/push', { v: 2, clientId: 'client-aaaa-0001', mutations: [putNote(2, 'b')] });
    expect(wrongVersion.status).toBe(400);
    expect(await errorOf(wrongVersion)).toMatchObject({ code: 'unsupported-version' });

    const notAnObject = await t.post('/v1/push', '[1,2]');
    expect(notAnObject.status).toBe(400);

    expect([...(await pullAll(t)).keys()]).toEqual(['notes/a']);
    expect((await t.pushOk([putNote(2, 'b')])).lastMutationId).toBe(2);
  });

  it('answers 415 for a non-JSON content type', async () => {
    t = await start();
    const response = await t.server.fetch(
      new Request('http://test/v1/pull', { method: 'POST', headers: { authorization: 'Bearer token-a', 'content-type': 'text/plain' }, body: '{}' }),
    );
    expect(response.status).toBe(415);
  });

  it('answers 413 when Content-Length is over the limit', async () => {
    t = await start({ limits: { maxBodyBytes: 1000 } });
    // The declared length alone decides: the (small) body is never read.
    const response = await t.server.fetch(
      new Request('http://test/v1/push', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer token-a', 'content-length': '5000' },
        body: '{}',
      }),
    );
    expect(response.status).toBe(413);
    expect(await errorOf(response)).toMatchObject({ code: 'too-large', retryable: false });
  });

  it('answers 413 for a streamed body without Content-Length, stopping at the limit', async () => {
    t = await start({ limits: { maxBodyBytes: 64 * 1024 } });
    let pulled = 0;
    const source = streamOf(10 * 1024 * 1024);
    const counting = source.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    }));
    const request = new Request('http://test/v1/push', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer token-a' },
      body: counting,
      duplex: 'half',
    } as RequestInit);
    expect(request.headers.get('content-length')).toBeNull();
    const response = await t.server.fetch(request);
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThan(1024 * 1024);
  });

  it('close() lets running requests finish, then answers 503', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => {};
    const handlerEntered = new Promise<void>((resolve) => (entered = resolve));
    t = await start({
      mutations: {
        slow: async (ctx) => {
          entered();
          await gate;
          await ctx.put('notes', 'slow', { done: true });
          return 'ok';
        },
      },
    });
    const pushing = t.push([{ id: 1, name: 'slow', args: null, createdAt: 0 }]);
    await handlerEntered;
    let closed = false;
    const closing = t.server.close().then(() => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(false);
    release();
    expect((await pushing).status).toBe(200);
    await closing;
    const after = await t.server.fetch(new Request('http://test/v1/health'));
    expect(after.status).toBe(503);
  });
});
