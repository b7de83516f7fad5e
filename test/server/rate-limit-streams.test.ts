// The cap on concurrent event streams per token, over real HTTP: beyond it 429 too-many-streams with
// Retry-After and the JSON error body; a stream that ends (the client goes away) frees its place.
import { afterEach, describe, expect, it } from 'vitest';
import { tokenAuth } from '../../src/server.js';
import { createStreamCap } from '../../src/server/rate-limit-streams.js';
import { serve } from './jwt-helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Open GET /v1/events; for a 200, read the first poke so the stream is really running. */
async function openStream(url: string, token: string): Promise<{ response: Response; close(): void }> {
  const controller = new AbortController();
  const response = await fetch(`${url}/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  if (response.status === 200) {
    const reader = response.body?.getReader();
    await reader?.read();
    cleanups.push(() => controller.abort());
    return { response, close: () => controller.abort() };
  }
  return { response, close: () => {} };
}

describe('event streams per token', () => {
  it('admits up to the cap, refuses the next with 429 too-many-streams, and frees a place when a stream ends', async () => {
    const served = await serve({ auth: tokenAuth({ 'token-a': 'scope-a', 'token-b': 'scope-b' }), limits: { maxStreamsPerToken: 2 } });
    cleanups.push(() => served.close());
    const url = served.http.url;
    const first = await openStream(url, 'token-a');
    await openStream(url, 'token-a');
    const refused = await openStream(url, 'token-a');
    expect(refused.response.status).toBe(429);
    expect(refused.response.headers.get('retry-after')).toBe('10');
    expect(await refused.response.json()).toMatchObject({ error: { code: 'too-many-streams', retryable: true, details: { maxStreams: 2 } } });
    expect((await openStream(url, 'token-b')).response.status).toBe(200); // per token

    first.close();
    // The server learns of the closed connection asynchronously; its place frees once it does.
    let again = await openStream(url, 'token-a');
    while (again.response.status === 429) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      again = await openStream(url, 'token-a');
    }
    expect(again.response.status).toBe(200);
  });

  it('counts a stream until its body closes, errors or is cancelled, once each', async () => {
    const cap = createStreamCap(1);
    const closing = await cap.admit('k', async () => new Response(new ReadableStream({ start: (c) => c.close() })));
    expect(cap.count('k')).toBe(1);
    await closing.text();
    expect(cap.count('k')).toBe(0);

    const cancelled = await cap.admit('k', async () => new Response(new ReadableStream({ pull: () => new Promise(() => {}) })));
    await expect(cap.admit('k', async () => new Response('x'))).rejects.toMatchObject({ status: 429, code: 'too-many-streams' });
    await cancelled.body?.cancel();
    await cancelled.body?.cancel();
    expect(cap.count('k')).toBe(0);

    const failing = await cap.admit('k', async () => new Response(new ReadableStream({ pull: (c) => c.error(new Error('boom')) })));
    await expect(failing.text()).rejects.toThrow('boom');
    expect(cap.count('k')).toBe(0);

    await expect(cap.admit('k', async () => { throw new Error('open failed'); })).rejects.toThrow('open failed');
    expect(cap.count('k')).toBe(0);
    expect(() => createStreamCap(0)).toThrow(/maxStreamsPerToken/);
  });
});
