// `syncline serve` and auth: it refuses to start without some authentication unless --insecure-demo,
// and --jwt-secret / SYNCLINE_JWT_SECRET / --jwks-url / --jwt-issuer / --jwt-audience configure JWT auth.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseServeArgs, runServe } from '../../src/cli/serve.js';
import { tempDir } from './helpers.js';
import { AUDIENCE, hsToken, ISSUER, pullWith, SECRET } from './jwt-helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** runServe with `args` on a fresh SQLite file; resolves the URL once listening. */
function startServe(args: string[]) {
  const dir = tempDir();
  dirs.push(dir);
  const lines: string[] = [];
  const controller = new AbortController();
  let announce: (url: string) => void = () => {};
  const listening = new Promise<string>((resolve) => (announce = resolve));
  const running = runServe(['--port', '0', '--db', join(dir, 'db.sqlite'), ...args], {
    log(line) {
      lines.push(line);
      const url = /listening on (\S+)/.exec(line)?.[1];
      if (url !== undefined) announce(url);
    },
  }, controller.signal);
  return { lines, listening, running, stop: async () => { controller.abort(); await running; } };
}

describe('syncline serve: authentication', () => {
  it('refuses to start without any auth, naming the ways to configure it; --insecure-demo starts with the demo token and says so', async () => {
    const refused = startServe([]);
    await expect(refused.running).rejects.toThrow(/No authentication configured: pass --jwt-secret .*--token TOKEN=SCOPE.*--insecure-demo/);
    expect(refused.lines.some((line) => line.includes('listening on'))).toBe(false);

    const demo = startServe(['--insecure-demo']);
    const url = await demo.listening;
    expect(demo.lines.find((line) => line.includes('listening on'))).toContain('INSECURE DEMO');
    expect((await pullWith(url, 'demo')).status).toBe(200);
    await demo.stop();
  });

  it('parses the JWT flags and the SYNCLINE_JWT_SECRET variable, and refuses contradictory ones', () => {
    expect(parseServeArgs(['--jwt-secret', SECRET, '--jwt-issuer', ISSUER, '--jwt-audience', AUDIENCE], {}).auth).toEqual({ kind: 'jwt', secret: SECRET, issuer: ISSUER, audience: AUDIENCE });
    expect(parseServeArgs([], { SYNCLINE_JWT_SECRET: SECRET }).auth).toEqual({ kind: 'jwt', secret: SECRET });
    expect(parseServeArgs(['--jwks-url', 'https://auth.test/jwks.json'], {}).auth).toEqual({ kind: 'jwt', jwksUrl: 'https://auth.test/jwks.json' });
    expect(() => parseServeArgs([], {})).toThrow(/No authentication configured/);
    expect(() => parseServeArgs([], { SYNCLINE_JWT_SECRET: '' })).toThrow(/No authentication configured/);
    expect(() => parseServeArgs(['--jwt-secret', SECRET, '--jwks-url', 'https://auth.test/jwks.json'], {})).toThrow(/not both/);
    expect(() => parseServeArgs(['--jwt-secret', SECRET, '--token', 'a=b'], {})).toThrow(/cannot be combined/);
    expect(() => parseServeArgs(['--jwt-issuer', ISSUER], {})).toThrow(/need --jwt-secret/);
  });

  it('fails at start on a JWT secret too short to be safe', async () => {
    const weak = startServe(['--jwt-secret', 'short']);
    await expect(weak.running).rejects.toThrow(/at least 32 bytes/);
  });

  it('serves with JWT auth: a token with the right issuer and audience syncs, others get 401', async () => {
    const serve = startServe(['--jwt-secret', SECRET, '--jwt-issuer', ISSUER, '--jwt-audience', AUDIENCE]);
    const url = await serve.listening;
    expect(serve.lines.find((line) => line.includes('listening on'))).toContain(`auth: JWT (HS256 secret, issuer ${ISSUER}, audience ${AUDIENCE})`);
    expect((await pullWith(url, await hsToken({ scope: 'shop-1' }))).status).toBe(200);
    expect((await pullWith(url, await hsToken({ scope: 'shop-1' }, { audience: 'other' }))).body.error?.code).toBe('invalid-token');
    expect((await pullWith(url, 'demo')).body.error?.code).toBe('invalid-token');
    await serve.stop();
  });
});
