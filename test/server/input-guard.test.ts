/**
 * Hostile input at the door, on SQLite and PostgreSQL alike: what the protocol refuses is a 400 with
 * the JSON error body and changes nothing; what it accepts comes back exactly as it was sent.
 */
import { afterEach, expect, it } from 'vitest';
import { describeEachDialect, mutation, pullAll, putNote, writableNotes } from './helpers.js';
import type { TestServer } from './helpers.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

interface ErrorJson {
  error: { code: string; message: string; retryable: boolean; details?: { reason?: string; path?: string } };
}

async function refused(response: Response): Promise<ErrorJson['error']> {
  expect(response.status).toBe(400);
  const body = (await response.json()) as ErrorJson;
  expect(body.error.retryable).toBe(false);
  return body.error;
}

/** A push as raw JSON text, so escapes such as \ud800 reach the server as written. */
function rawPush(server: TestServer, json: string): Promise<Response> {
  return server.post('/v1/push', `{"v":1,"clientId":"client-aaaa-0001","mutations":[${json}]}`);
}

const putJson = (key: string, value: string): string =>
  `{"id":1,"name":"put","args":{"collection":"notes","key":${key},"value":${value},"baseVersion":null},"createdAt":1}`;

describeEachDialect('input at the door', (start) => {
  const cases: Array<[string, string, string, string]> = [
    ['a lone high surrogate in a record key', '"k\\ud800"', '{"a":1}', 'lone-surrogate'],
    ['a lone low surrogate in a string value', '"k"', '{"a":"x\\udc00y"}', 'lone-surrogate'],
    ['a lone surrogate in a value key', '"k"', '{"\\ud83d":1}', 'lone-surrogate'],
    ['NUL in a record key', '"k\\u0000"', '{"a":1}', 'nul-character'],
    ['NUL in a string value', '"k"', '{"a":"x\\u0000"}', 'nul-character'],
    ['a __proto__ key inside a value', '"k"', '{"__proto__":{"admin":true},"a":1}', 'proto-key'],
    ['a nested __proto__ key', '"k"', '{"a":[{"__proto__":1}]}', 'proto-key'],
  ];
  /** The push is answered; the refused mutation is rejected for good, the one after it applies. */
  async function refusedMutation(server: TestServer, json: string): Promise<{ code: string; message: string }> {
    const response = await rawPush(server, `${json},${JSON.stringify(putNote(2, 'after'))}`);
    expect(response.status, await response.clone().text()).toBe(200);
    const body = (await response.json()) as { lastMutationId: number; outcomes: Array<{ id: number; status: string; code?: string; message?: string }> };
    expect(body.lastMutationId).toBe(2);
    expect(body.outcomes.map((o) => [o.id, o.status, o.code])).toEqual([[1, 'rejected', 'invalid-args'], [2, 'applied', undefined]]);
    return { code: body.outcomes[0]?.code ?? '', message: body.outcomes[0]?.message ?? '' };
  }

  const words: Record<string, string> = { 'lone-surrogate': 'lone UTF-16 surrogate', 'nul-character': 'NUL character', 'proto-key': '__proto__', 'too-deep': 'levels deep', 'too-many-keys': 'keys' };
  for (const [what, key, value, reason] of cases) {
    it(`rejects a mutation with ${what} (invalid-args, its id consumed), stores none of it, and applies the next one`, async () => {
      t = await start({ collections: writableNotes });
      const rejection = await refusedMutation(t, putJson(key, value));
      expect(rejection.message).toContain(words[reason]);
      expect(rejection.message).toContain('"args.');
      expect([...(await pullAll(t)).keys()]).toEqual(['notes/after']);
      // The id was consumed: a client that resends the batch gets the same answers as duplicates.
      expect((await t.pushOk([putNote(3, 'ok')])).lastMutationId).toBe(3);
    });
  }

  it('still refuses the whole request with 400 when the problem is outside args (a NUL in a mutation name)', async () => {
    t = await start({ collections: writableNotes });
    const error = await refused(await rawPush(t, putJson('"k"', '{"a":1}').replace('"name":"put"', '"name":"pu\\u0000t"')));
    expect(error.code).toBe('invalid-request');
    expect(error.details).toMatchObject({ reason: 'nul-character', path: 'mutations.0.name' });
    expect(await pullAll(t)).toEqual(new Map());
    expect((await t.pushOk([putNote(1, 'ok')])).lastMutationId).toBe(1);
  });

  it('rejects a mutation nested thousands of levels deep without a stack overflow', async () => {
    t = await start({ collections: writableNotes });
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    expect((await refusedMutation(t, putJson('"k"', `{"a":${deep}}`))).message).toContain(words['too-deep']);
  });

  it('rejects a mutation whose value has more than 10 000 keys', async () => {
    t = await start({ collections: writableNotes });
    const value = `{${Array.from({ length: 10_001 }, (_, i) => `"f${i}":0`).join(',')}}`;
    expect((await refusedMutation(t, putJson('"k"', value))).message).toContain('more than 10000 keys');
  });

  it('refuses a body that is not valid UTF-8 instead of storing replacement characters', async () => {
    t = await start({ collections: writableNotes });
    const text = `{"v":1,"clientId":"client-aaaa-0001","mutations":[${putJson('"k\u00e9"', '{"a":1}')}]}`;
    const bytes = new TextEncoder().encode(text);
    // Cut the two-byte é in half: 0xC3 followed by a quote is not UTF-8.
    const at = bytes.indexOf(0xc3);
    const broken = new Uint8Array([...bytes.slice(0, at + 1), ...bytes.slice(at + 2)]);
    const response = await t.server.fetch(new Request('http://test/v1/push', {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer token-a' }, body: broken,
    }));
    const error = await refused(response);
    expect(error.code).toBe('invalid-json');
    expect(await pullAll(t)).toEqual(new Map());
  });

  it('stores and returns keys and text outside the BMP, constructor keys and duplicate keys exactly as JSON.parse reads them', async () => {
    t = await start({ collections: writableNotes });
    const key = 'k-😀-\u{10FFFF}-\uFFFE-ß';
    const value = { constructor: 'c', toString: 1, hasOwnProperty: [2], text: '𝄞\u2028\u2029\u{1F600}', '': 'empty key' };
    const response = await t.pushOk([putNote(1, key, value)]);
    expect(response.outcomes[0]?.status).toBe('applied');
    const state = await pullAll(t);
    expect([...state.keys()]).toEqual([`notes/${key}`]);
    expect(state.get(`notes/${key}`)).toStrictEqual(value);
    // Duplicate keys: the last one wins, as in every JSON.parse; the stored value is what was read.
    const dup = await rawPush(t, putJson('"dup"', '{"a":1,"a":2}').replace('"id":1', '"id":2'));
    expect(dup.status).toBe(200);
    expect((await pullAll(t)).get('notes/dup')).toStrictEqual({ a: 2 });
  });

  it("keeps pull's lastMutationId monotone after settledThrough prunes the outcomes", async () => {
    t = await start({ collections: writableNotes });
    await t.pushOk([putNote(1, 'a'), putNote(2, 'b'), putNote(3, 'c')]);
    const before = await t.pull(0);
    expect(before.lastMutationId).toBe(3);
    // The client settles everything; the server forgets the outcomes.
    const settle = await t.post('/v1/push', { v: 1, clientId: 'client-aaaa-0001', mutations: [putNote(4, 'd')], settledThrough: 3 });
    expect(settle.status).toBe(200);
    const after = await t.pull(before.cursor);
    expect(after.lastMutationId).toBe(4);
    // A pull from an older cursor still does not go below what was settled.
    expect((await t.pull(0, 1)).lastMutationId).toBeGreaterThanOrEqual(3);
    // Settle all, then an empty pull at the head still reports 4.
    await t.post('/v1/push', { v: 1, clientId: 'client-aaaa-0001', mutations: [mutation(5, 'delete', { collection: 'notes', key: 'a', baseVersion: null })], settledThrough: 5 });
    expect((await t.pull(0, 1)).lastMutationId).toBe(5);
  });
});
