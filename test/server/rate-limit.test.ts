// Rate limits: token buckets per token and per client, answered 429 + Retry-After with the JSON error
// body over real HTTP, and a real client that backs off for Retry-After and then succeeds.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServeArgs, runServe } from '../../src/cli/serve.js';
import { tempDir } from './helpers.js';
import { createClient, type SyncEvent } from '../../src/index.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { createRateCheck } from '../../src/server/rate-limit.js';
import { createSyncServer, tokenAuth } from '../../src/server.js';
import { HttpError } from '../../src/server/http-errors.js';
import { pullWith, serve } from './jwt-helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const AUTH = tokenAuth({ 'token-a': 'scope-a', 'token-b': 'scope-b' });

function refusal(check: () => void): HttpError | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
}

describe('token bucket', () => {
  it('allows a burst, then refuses with the wait until one request refills; refills at the rate, never above the burst', () => {
    let now = 0;
    const check = createRateCheck('token', { perSecond: 2, burst: 3 }, 100, () => now);
    if (check === undefined) throw new Error('expected a limiter');
    for (let i = 0; i < 3; i += 1) expect(refusal(() => check('k'))).toBeUndefined();
    const refused = refusal(() => check('k'));
    expect(refused).toMatchObject({ status: 429, code: 'rate-limited', retryable: true, headers: { 'retry-after': '1' }, details: { limit: 'token', perSecond: 2, burst: 3 } });
    expect(refusal(() => check('other'))).toBeUndefined(); // buckets are per key
    now += 500; // one request refilled
    expect(refusal(() => check('k'))).toBeUndefined();
    expect(refusal(() => check('k'))).toBeDefined();
    now += 60_000; // a long quiet spell refills to the burst, not beyond
    for (let i = 0; i < 3; i += 1) expect(refusal(() => check('k'))).toBeUndefined();
    expect(refusal(() => check('k'))).toBeDefined();
  });

  it('says how long to wait when the rate is slow', () => {
    const check = createRateCheck('client', { perSecond: 0.1, burst: 1 }, 100, () => 0);
    check?.('c');
    expect(refusal(() => check?.('c'))?.headers['retry-after']).toBe('10');
  });

  it('keeps at most maxTracked buckets, forgetting the least recently used', () => {
    const now = 0;
    const check = createRateCheck('token', { perSecond: 1, burst: 1 }, 2, () => now);
    check?.('a');
    check?.('b');
    expect(refusal(() => check?.('a'))).toBeDefined(); // a is now the most recent
    check?.('c'); // evicts b, the least recently used
    expect(refusal(() => check?.('b'))).toBeUndefined(); // forgotten: a full bucket again
    expect(refusal(() => check?.('c'))).toBeDefined();
  });

  it('refuses unusable settings', () => {
    expect(() => createSyncServer({ database: { sqlite: ':memory:' }, auth: AUTH, limits: { rate: { perToken: { perSecond: 0 } } } })).toThrow(/perToken.perSecond/);
    expect(() => createSyncServer({ database: { sqlite: ':memory:' }, auth: AUTH, limits: { rate: { perClient: { perSecond: 1, burst: 0.5 } } } })).toThrow(/perClient.burst/);
  });
});

describe('rate limits over HTTP', () => {
  it('per token: 429 rate-limited with Retry-After and the JSON error body; other tokens unaffected', async () => {
    const served = await serve({ auth: AUTH, limits: { rate: { perToken: { perSecond: 0.01, burst: 2 } } } });
    cleanups.push(() => served.close());
    const url = served.http.url;
    expect((await pullWith(url, 'token-a')).status).toBe(200);
    expect((await pullWith(url, 'token-a')).status).toBe(200);
    const refused = await pullWith(url, 'token-a');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('100');
    expect(refused.body.error).toMatchObject({ code: 'rate-limited', retryable: true });
    expect((await pullWith(url, 'token-b')).status).toBe(200);
    // Bad tokens are counted too (before verification), so guessing is limited as well.
    for (let i = 0; i < 2; i += 1) expect((await pullWith(url, 'guess')).status).toBe(401);
    expect((await pullWith(url, 'guess')).status).toBe(429);
  });

  it('per client: one clientId is limited, another of the same token is not', async () => {
    const served = await serve({ auth: AUTH, limits: { rate: { perClient: { perSecond: 0.01, burst: 1 } } } });
    cleanups.push(() => served.close());
    const pull = (clientId: string) => fetch(`${served.http.url}/v1/pull`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer token-a' },
      body: JSON.stringify({ v: 1, clientId, cursor: 0, limit: 10 }),
    });
    expect((await pull('client-rate-0001')).status).toBe(200);
    const refused = await pull('client-rate-0001');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate-limited', details: { limit: 'client' } } });
    expect((await pull('client-rate-0002')).status).toBe(200);
  });

  it('a real client that meets 429 waits for Retry-After, then syncs everything', async () => {
    const served = await serve({ auth: AUTH, collections: { notes: { writable: true } }, limits: { rate: { perToken: { perSecond: 1, burst: 2 } } } });
    cleanups.push(() => served.close());
    // Spend the token's burst, so the client's first request is refused.
    await pullWith(served.http.url, 'token-a');
    await pullWith(served.http.url, 'token-a');
    const statuses: number[] = [];
    const transport = createHttpTransport({
      url: served.http.url,
      token: 'token-a',
      fetch: async (request) => {
        const response = await fetch(request);
        statuses.push(response.status);
        return response;
      },
    });
    const events: SyncEvent[] = [];
    const client = await createClient({ store: createMemoryStore(), transport, pullIntervalMs: 0 });
    cleanups.push(() => client.close());
    client.subscribe((event) => events.push(event));
    const notes = client.collection('notes');
    await notes.put('n1', { text: 'one' });
    await notes.put('n2', { text: 'two' });
    await until(async () => (await client.pendingCount()) === 0 && events.some((e) => e.type === 'sync.completed'));

    const failures = events.flatMap((e) => (e.type === 'sync.failed' ? [e] : []));
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure.error).toMatchObject({ status: 429, retryAfterMs: 1000 });
      expect(failure.retryInMs).toBeGreaterThanOrEqual(1000); // the backoff honours Retry-After
    }
    expect(statuses).toContain(429);
    expect(statuses.at(-1)).toBe(200);
    // Few refusals: the client waited instead of hammering.
    expect(statuses.filter((s) => s === 429).length).toBeLessThanOrEqual(failures.length);
  });
});

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('syncline serve --rate-per-token / --rate-per-client', () => {
  it('parses RATE or RATE/BURST and refuses anything else', () => {
    expect(parseServeArgs(['--insecure-demo', '--rate-per-token', '20/50', '--rate-per-client', '2.5'], {}).rate).toEqual({ perToken: { perSecond: 20, burst: 50 }, perClient: { perSecond: 2.5 } });
    expect(parseServeArgs(['--insecure-demo'], {}).rate).toBeUndefined();
    for (const bad of ['0', 'fast', '10/0', '0.0', '5/x']) expect(() => parseServeArgs(['--insecure-demo', '--rate-per-token', bad], {}), bad).toThrow(/--rate-per-token: expected/);
  });

  it('limits the running server', async () => {
    const dir = tempDir();
    const controller = new AbortController();
    let announce: (url: string) => void = () => {};
    const listening = new Promise<string>((resolve) => (announce = resolve));
    const running = runServe(['--port', '0', '--db', join(dir, 'db.sqlite'), '--insecure-demo', '--rate-per-token', '0.01/1'], {
      log: (line) => {
        const url = /listening on (\S+)/.exec(line)?.[1];
        if (url !== undefined) announce(url);
      },
    }, controller.signal);
    cleanups.push(async () => {
      controller.abort();
      await running;
      rmSync(dir, { recursive: true, force: true });
    });
    const url = await listening;
    expect((await pullWith(url, 'demo')).status).toBe(200);
    const refused = await pullWith(url, 'demo');
    expect([refused.status, refused.body.error?.code, refused.headers.get('retry-after')]).toEqual([429, 'rate-limited', '100']);
  });
});
