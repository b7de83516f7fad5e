// jwtAuth over real HTTP on loopback: HS256 and a JWKS served by a local HTTP server (with a key
// rotation), issuer/audience/expiry checks, the client's token refresh on an expired token, and the
// caller's roles reaching named handlers.
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { jwtAuth } from '../../src/server.js';
import type { MutationContext } from '../../src/server.js';
import { DOCUMENTED_CODES } from './fuzz/check.js';
import { AUDIENCE, hsToken, ISSUER, pullWith, SECRET, serve, signingKey, startJwksServer, type Served } from './jwt-helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function hsServer(extra: Parameters<typeof serve>[0] | undefined = undefined): Promise<Served> {
  const served = await serve({ auth: jwtAuth({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE }), ...extra });
  cleanups.push(() => served.close());
  return served;
}

describe('jwtAuth with an HS256 secret', () => {
  it('accepts a valid token and syncs the scope its claim names', async () => {
    const { http } = await hsServer();
    const answer = await pullWith(http.url, await hsToken({ sub: 'u1', scope: 'shop-1' }));
    expect(answer.status).toBe(200);
  });

  it('refuses an expired token with 401 token-expired, and a real client refreshes through its token provider and succeeds', async () => {
    const { http } = await hsServer();
    const expired = await hsToken({ scope: 'shop-1' }, { expiresInSec: -120 });
    const refused = await pullWith(http.url, expired);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toMatchObject({ code: 'token-expired', retryable: false });
    expect(refused.headers.get('www-authenticate')).toContain('invalid_token');

    const reasons: string[] = [];
    const transport = createHttpTransport({
      url: http.url,
      token: async ({ reason }) => {
        reasons.push(reason);
        return reason === 'initial' ? expired : hsToken({ scope: 'shop-1' });
      },
    });
    const page = await transport.pull({ v: 1, clientId: 'client-jwt-0002', cursor: 0, limit: 10 });
    expect(page.cursor).toBe(0);
    expect(reasons).toEqual(['initial', 'refresh']);
  });

  it('refuses a token from another issuer, for another audience, or signed with another key (401 invalid-token)', async () => {
    const { http } = await hsServer();
    const cases = [
      await hsToken({ scope: 'shop-1' }, { issuer: 'https://evil.test/' }),
      await hsToken({ scope: 'shop-1' }, { audience: 'another-api' }),
      await hsToken({ scope: 'shop-1' }, { secret: 'another-secret-that-is-at-least-32-bytes!!' }),
      'not.a.jwt',
    ];
    for (const token of cases) {
      const answer = await pullWith(http.url, token);
      expect(answer.status, token).toBe(401);
      expect(answer.body.error?.code, token).toBe('invalid-token');
    }
    expect((await pullWith(http.url, cases[0] as string)).body.error?.message).toMatch(/"iss" claim/);
    expect((await pullWith(http.url, cases[1] as string)).body.error?.message).toMatch(/"aud" claim/);
  });

  it('tolerates clock skew within clockToleranceSec only', async () => {
    const served = await serve({ auth: jwtAuth({ secret: SECRET, clockToleranceSec: 60 }) });
    cleanups.push(() => served.close());
    expect((await pullWith(served.http.url, await hsToken({ scope: 's' }, { expiresInSec: -30 }))).status).toBe(200);
    expect((await pullWith(served.http.url, await hsToken({ scope: 's' }, { expiresInSec: -90 }))).body.error?.code).toBe('token-expired');
  });

  it('with several scopes, the Syncline-Scope header picks one of them and nothing else', async () => {
    const { http } = await hsServer();
    const token = await hsToken({ scopes: ['shop-1', 'shop-2'] });
    expect((await pullWith(http.url, token)).body.error?.code).toBe('scope-required');
    expect((await pullWith(http.url, token, { 'syncline-scope': 'shop-2' })).status).toBe(200);
    const other = await pullWith(http.url, token, { 'syncline-scope': 'shop-3' });
    expect([other.status, other.body.error?.code]).toEqual([403, 'forbidden']);
    expect((await pullWith(http.url, await hsToken({ sub: 'nobody' }))).status).toBe(403);
  });

  it('hands the caller (subject, roles, claims) to named handlers; a custom claims mapping decides scope and roles', async () => {
    const seen: Array<MutationContext['caller']> = [];
    const served = await serve({
      auth: jwtAuth({ secret: SECRET, claims: (c) => ({ scopes: [`shop-${String(c['shop'])}`], roles: c['admin'] === true ? ['admin'] : ['cashier'], subject: String(c['sub']) }) }),
      mutations: {
        'prices.set': (ctx) => {
          seen.push(ctx.caller);
          return { scope: ctx.scope, roles: [...(ctx.caller?.roles ?? [])] };
        },
      },
    });
    cleanups.push(() => served.close());
    const transport = createHttpTransport({ url: served.http.url, token: await hsToken({ sub: 'alice', shop: 7, admin: true }) });
    const response = await transport.push({ v: 1, clientId: 'client-jwt-0003', mutations: [{ id: 1, name: 'prices.set', args: {}, createdAt: 0 }] });
    expect(response.outcomes[0]).toMatchObject({ status: 'applied', result: { scope: 'shop-7', roles: ['admin'] } });
    expect(seen[0]).toMatchObject({ subject: 'alice', roles: ['admin'], claims: { shop: 7, admin: true } });
  });

  it('refuses unusable options at construction', () => {
    expect(() => jwtAuth({ secret: 'short' })).toThrow(/at least 32 bytes/);
    expect(() => jwtAuth({})).toThrow(/exactly one/);
    expect(() => jwtAuth({ secret: SECRET, jwksUrl: 'https://x.test/jwks' })).toThrow(/exactly one/);
    expect(() => jwtAuth({ jwksUrl: 'ftp://x.test/jwks' })).toThrow(/http\(s\)/);
  });
});

describe('jwtAuth with a remote JWKS', () => {
  it('verifies against the key set, caches it, and picks up a rotated key (new kid) without a restart', async () => {
    const first = await signingKey('key-1');
    const second = await signingKey('key-2');
    const jwks = await startJwksServer([first.jwk]);
    cleanups.push(() => jwks.close());
    const served = await serve({ auth: jwtAuth({ jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, jwks: { cooldownMs: 0 } }) });
    cleanups.push(() => served.close());
    const url = served.http.url;

    expect((await pullWith(url, await first.sign({ scope: 'shop-1' }))).status).toBe(200);
    expect((await pullWith(url, await first.sign({ scope: 'shop-1' }))).status).toBe(200);
    expect(jwks.fetches).toBe(1); // cached, not fetched per request

    // The issuer rotates: the set now holds only the new key.
    jwks.keys = [second.jwk];
    expect((await pullWith(url, await second.sign({ scope: 'shop-1' }))).status).toBe(200);
    expect(jwks.fetches).toBe(2);
    const retired = await pullWith(url, await first.sign({ scope: 'shop-1' }));
    expect([retired.status, retired.body.error?.code]).toEqual([401, 'invalid-token']);

    // A key the set never held, under a kid it does hold: the signature does not verify.
    const forger = await signingKey('key-2');
    expect((await pullWith(url, await forger.sign({ scope: 'shop-1' }))).body.error?.code).toBe('invalid-token');
  });

  it('answers 503 auth-unavailable (retryable, Retry-After) while the key set cannot be fetched', async () => {
    const jwks = await startJwksServer([]);
    const gone = jwks.url;
    await jwks.close();
    const served = await serve({ auth: jwtAuth({ jwksUrl: gone, jwks: { timeoutMs: 2000 } }) });
    cleanups.push(() => served.close());
    const key = await signingKey('key-1');
    const answer = await pullWith(served.http.url, await key.sign({ scope: 'shop-1' }));
    expect(answer.status).toBe(503);
    expect(answer.body.error).toMatchObject({ code: 'auth-unavailable', retryable: true });
    expect(answer.headers.get('retry-after')).toBe('5');
  });
});

describe('error codes', () => {
  it('every code the auth and abuse guards answer is in PROTOCOL.md\'s table', () => {
    for (const code of ['token-expired', 'invalid-token', 'scope-required', 'forbidden', 'auth-unavailable', 'rate-limited', 'too-many-streams', 'request-timeout']) {
      expect(DOCUMENTED_CODES.has(code), code).toBe(true);
    }
  });
});
