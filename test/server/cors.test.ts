/** CORS through the fetch boundary: preflights, headers on every answer to a listed origin, refusals. */
import { afterEach, describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../src/cli/serve.js';
import { startServer, writableNotes } from './helpers.js';
import type { TestServer } from './helpers.js';

const APP = 'https://till.example.com';
let t: TestServer | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

const preflight = (origin: string, path = '/v1/push'): Request =>
  new Request(`http://test${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, content-encoding' },
  });

describe('CORS', () => {
  it('answers a preflight from a listed origin with what the client library sends', async () => {
    t = startServer({ cors: { origins: [APP] } });
    const response = await t.server.fetch(preflight(APP));
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(response.headers.get('access-control-allow-headers')?.split(', ')).toEqual(expect.arrayContaining(['authorization', 'content-type', 'content-encoding']));
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('vary')).toMatch(/Origin/);
  });

  it('refuses a preflight from an unlisted origin with 403 and the JSON error body', async () => {
    t = startServer({ cors: { origins: [APP] } });
    const response = await t.server.fetch(preflight('https://evil.example'));
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('cors-origin-forbidden');
  });

  it('puts CORS headers on every answer to a listed origin, errors included, and none for others', async () => {
    t = startServer({ cors: { origins: [APP] }, collections: writableNotes });
    const ask = (origin: string, token: string) => t!.server.fetch(new Request('http://test/v1/pull', {
      method: 'POST', headers: { origin, 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ v: 1, clientId: 'client-cors-0001', cursor: 0, limit: 10 }),
    }));
    const ok = await ask(APP, 'token-a');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
    expect(ok.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
    const refused = await ask(APP, 'wrong');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(APP);
    expect(refused.headers.get('access-control-expose-headers')).toMatch(/WWW-Authenticate/);
    expect((await ask('https://evil.example', 'token-a')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it("allows any origin with '*'", async () => {
    t = startServer({ cors: { origins: '*' } });
    expect((await t.server.fetch(preflight('http://localhost:5173'))).headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('without cors, OPTIONS stays 405 and no CORS header is sent', async () => {
    t = startServer();
    const response = await t.server.fetch(preflight(APP));
    expect(response.status).toBe(405);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses origins that are not origins, naming them', () => {
    expect(() => startServer({ cors: { origins: ['https://app.example.com/'] } })).toThrow(/"https:\/\/app.example.com\/" is not an origin/);
    expect(() => startServer({ cors: { origins: ['app.example.com'] } })).toThrow(/not an origin/);
    expect(() => startServer({ cors: { origins: [] } })).toThrow(/at least one origin/);
  });

  it('syncline serve takes --cors-origin, repeatable, * for any', () => {
    expect(parseServeArgs(['--insecure-demo', '--cors-origin', APP, '--cors-origin', 'http://localhost:5173']).corsOrigins).toEqual([APP, 'http://localhost:5173']);
    expect(parseServeArgs(['--insecure-demo', '--cors-origin', '*']).corsOrigins).toBe('*');
    expect(parseServeArgs(['--insecure-demo']).corsOrigins).toBeUndefined();
  });
});
