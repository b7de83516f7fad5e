// The webhook admin API over real HTTP on both backends: bearer-token auth (constant-time compare),
// subscriptions added/listed/removed, deliveries listed, a dead-lettered delivery replayed; bad input
// is a 4xx with the JSON error body.
import { afterEach, expect, it } from 'vitest';
import { serveNode } from '../../src/server/node-adapter.js';
import { describeEachDialect, mutation } from '../server/helpers.js';
import { eventually } from '../server-pg/harness.js';
import { startReceiver } from './receiver.js';

const TOKEN = 'admin-token-0123456789abcdef';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// The API's answers are read loosely: each test asserts the fields it cares about.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

interface Api {
  call(method: string, path: string, body?: unknown, options?: { token?: string | null; contentType?: string }): Promise<{ status: number; json: Loose; headers: Headers }>;
  push: (mutations: ReturnType<typeof mutation>[]) => Promise<unknown>;
}

describeEachDialect('webhook admin API', (start) => {
  async function setup(): Promise<Api> {
    const t = await start({ collections: { receipts: { writable: true } }, webhooks: { admin: { token: TOKEN } }, effects: { handlers: {}, backoffMs: 5, maxBackoffMs: 20, pollMs: 20 } });
    const http = await serveNode(t.server, { port: 0 });
    cleanups.push(async () => {
      await http.close();
      await t.cleanup();
    });
    return {
      async call(method, path, body, options = {}) {
        const token = options.token === undefined ? TOKEN : options.token;
        const response = await fetch(`${http.url}/v1/admin/webhooks${path}`, {
          method,
          headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': options.contentType ?? 'application/json' }) },
          ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        });
        return { status: response.status, json: await response.json(), headers: response.headers };
      },
      push: (mutations) => t.pushOk(mutations),
    };
  }

  it('refuses a missing or wrong token with 401 and the JSON error body', async () => {
    const api = await setup();
    for (const token of [null, 'wrong', `${TOKEN.slice(0, -1)}X`, `${TOKEN}x`]) {
      const res = await api.call('GET', '/subscriptions', undefined, { token });
      expect(res.status, String(token)).toBe(401);
      expect(res.json.error).toMatchObject({ code: 'unauthenticated', retryable: false });
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect((await api.call('GET', '/subscriptions')).status).toBe(200);
  });

  it('answers bad input with a 4xx and the JSON error body', async () => {
    const api = await setup();
    const cases: Array<[string, string, unknown, number, string?]> = [
      ['POST', '/subscriptions', '{not json', 400],
      ['POST', '/subscriptions', [], 400],
      ['POST', '/subscriptions', { url: 'ftp://x/' , collections: ['receipts'] }, 400],
      ['POST', '/subscriptions', { url: 'not a url', collections: ['receipts'] }, 400],
      ['POST', '/subscriptions', { url: 'http://127.0.0.1:1/h' }, 400],
      ['POST', '/subscriptions', { url: 'http://127.0.0.1:1/h', collections: 'receipts' }, 400],
      ['POST', '/subscriptions', { url: 'http://127.0.0.1:1/h', collections: ['receipts'], operations: ['upsert'] }, 400],
      ['POST', '/subscriptions', { url: 'http://127.0.0.1:1/h', collections: ['receipts'], secret: 'plain' }, 400],
      ['POST', '/subscriptions', { url: 'http://127.0.0.1:1/h', collections: ['receipts'], extra: 1 }, 400],
      ['POST', '/subscriptions', { url: 'http://127.0.0.1:1/h', collections: ['receipts'] }, 415, 'text/plain'],
      ['PUT', '/subscriptions', undefined, 405],
      ['DELETE', '/subscriptions/wh_nope', undefined, 404],
      ['GET', '/deliveries?limit=0', undefined, 400],
      ['GET', '/deliveries?limit=abc', undefined, 400],
      ['GET', '/deliveries?status=lost', undefined, 400],
      ['GET', '/dead-letters?status=gone', undefined, 400],
      ['POST', '/dead-letters/nope/replay', undefined, 404],
      ['GET', '/dead-letters/%E0%A4%A/replay', undefined, 400],
      ['GET', '/nothing-here', undefined, 404],
    ];
    for (const [method, path, body, status, contentType] of cases) {
      const res = await api.call(method, path, body, contentType === undefined ? {} : { contentType });
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect(res.json.error, `${method} ${path}`).toMatchObject({ code: expect.any(String), message: expect.any(String), retryable: false });
      // serveNode turns an error thrown by server.fetch into 400 'malformed-request': the answer must be the API's own.
      expect(res.json.error.code, `${method} ${path}`).not.toBe('malformed-request');
    }
    expect((await api.call('GET', '/subscriptions')).json).toEqual({ subscriptions: [] });
  });

  it('adds, lists and removes subscriptions; lists deliveries; replays a dead-lettered delivery once', async () => {
    let refuse = true;
    const receiver = await startReceiver(() => (refuse ? 400 : 200));
    cleanups.push(() => receiver.close());
    const api = await setup();
    const added = await api.call('POST', '/subscriptions', { url: receiver.url, collections: ['receipts'], operations: ['put'] });
    expect(added.status).toBe(201);
    const sub = added.json.subscription;
    expect(sub).toMatchObject({ url: receiver.url, events: [], collections: ['receipts'], operations: ['put'], secrets: [expect.stringMatching(/^whsec_/)] });
    expect((await api.call('GET', '/subscriptions')).json.subscriptions).toEqual([{ id: sub.id, url: receiver.url, events: [], collections: ['receipts'], operations: ['put'], createdAt: sub.createdAt, secretCount: 1 }]);

    await api.push([mutation(1, 'put', { collection: 'receipts', key: 'r1', value: { total: 1 }, baseVersion: null })]);
    // A 400 is a refusal for good: the delivery is dead-lettered at once.
    let letters: Loose[] = [];
    for (let i = 0; i < 200 && letters.length === 0; i++) {
      letters = (await api.call('GET', '/dead-letters')).json.deadLetters;
      if (letters.length === 0) await new Promise((r) => setTimeout(r, 25));
    }
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ name: 'syncline.webhook', status: 'dead', payload: { type: 'record.changed', data: { key: 'r1', op: 'put' } } });
    expect((await api.call('GET', '/deliveries')).json.deliveries).toEqual([]);

    refuse = false;
    const replayed = await api.call('POST', `/dead-letters/${letters[0].id}/replay`);
    expect(replayed).toMatchObject({ status: 200, json: { replayed: letters[0].id } });
    await eventually('delivered after the replay', () => receiver.performed.has(letters[0].id));
    expect((await api.call('POST', `/dead-letters/${letters[0].id}/replay`)).status).toBe(409);
    const deliveries = (await api.call('GET', '/deliveries?status=all&limit=10')).json.deliveries;
    expect(deliveries.map((d: { id: string }) => d.id)).toEqual([letters[0].id]);

    expect((await api.call('DELETE', `/subscriptions/${encodeURIComponent(sub.id)}`)).json).toEqual({ removed: true });
    expect((await api.call('GET', '/subscriptions')).json).toEqual({ subscriptions: [] });
  });
});
