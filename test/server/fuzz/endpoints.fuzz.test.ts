/**
 * Fuzzing every endpoint through the server's in-process fetch boundary, on SQLite and PostgreSQL:
 * whatever arrives, the answer is never a 5xx, every error is the documented JSON shape with a code
 * from PROTOCOL.md's table, and a request that is refused changes nothing in the database.
 * Under CI=true each endpoint gets 10 000 cases per backend (the webhook admin API 2 000); locally a few hundred.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncServer, tokenAuth } from '../../../src/server.js';
import type { SyncServer } from '../../../src/server.js';
import type { ServerDatabase } from '../../../src/server/schema.js';
import { openPostgresDatabase } from '../../../src/server/postgres-dialect.js';
import { openSqliteDatabase } from '../../../src/server/sqlite-dialect.js';
import { describePostgres } from '../../helpers/postgres.js';
import type { PostgresHandle } from '../../helpers/postgres.js';
import { bodyBytes, buildRequest, CLIENT_ID, headerChoice, queryString } from './arbitraries.js';
import { checkAnswer, DOCUMENTED_CODES, stateFingerprint } from './check.js';
import { FUZZ_WEBHOOKS, webhookHeaders } from './webhook-arbitraries.js';
import { ADMIN_TOKEN, adminAuthorization, adminRoute, subscriptionBody } from './webhook-admin-arbitraries.js';

const RUNS = process.env.CI === 'true' ? 10_000 : 300;
/**
 * The admin API is a handful of routes behind one token, yet each of its cases reads the whole state
 * fingerprint (subscriptions, dead letters) after a refusal: 10 000 per backend made this file the
 * slowest in CI by far. 2 000 still sends each route thousands of malformed bodies and headers.
 */
const ADMIN_RUNS = process.env.CI === 'true' ? 2_000 : 300;
const TIMEOUT_MS = process.env.CI === 'true' ? 240_000 : 60_000;
const describeRequest = (method: string, path: string, body: Uint8Array | undefined, headers: unknown): string =>
  `${method} ${path} ${JSON.stringify(headers)} body=${body === undefined ? '-' : JSON.stringify(new TextDecoder().decode(body).slice(0, 300))}`;

/** FUZZ_STATS=1 prints how often each status was answered: a check that the cases reach past the door. */
const stats = new Map<string, number>();
function tally(label: string, response: Response): void {
  if (process.env.FUZZ_STATS !== '1') return;
  const key = `${label} ${response.status}`;
  stats.set(key, (stats.get(key) ?? 0) + 1);
}

function fuzzSuite(open: () => Promise<{ db: Kysely<ServerDatabase>; cleanup(): Promise<void> }>): void {
  let server: SyncServer;
  let db: Kysely<ServerDatabase>;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ db, cleanup } = await open());
    server = createSyncServer({ database: db, auth: tokenAuth({ 'token-fuzz': 'scope-fuzz' }), collections: { notes: { writable: true } }, incomingWebhooks: FUZZ_WEBHOOKS, webhooks: { admin: { token: ADMIN_TOKEN } } });
    // Some state to protect, and a client whose next id is 2 (so resends and gaps are reachable).
    const seed = await server.fetch(buildRequest('http://fuzz/v1/push', 'POST', new TextEncoder().encode(JSON.stringify({
      v: 1, clientId: CLIENT_ID, mutations: [{ id: 1, name: 'put', args: { collection: 'notes', key: 'seed', value: { a: 1 }, baseVersion: null }, createdAt: 1 }],
    })), { contentType: 'application/json', encoding: 'none', authorization: 'Bearer token-fuzz', acceptEncoding: undefined }));
    expect(seed.status).toBe(200);
  });
  afterAll(async () => {
    if (process.env.FUZZ_STATS === '1') console.log(Object.fromEntries([...stats].sort()));
    await server?.close();
    await cleanup?.();
  });

  it('knows the documented error codes', () => {
    expect(DOCUMENTED_CODES.has('invalid-request')).toBe(true);
    expect(DOCUMENTED_CODES.has('unsupported-encoding')).toBe(true);
  });

  for (const endpoint of ['push', 'pull'] as const) {
    it(`POST /v1/${endpoint}: no 5xx, documented errors, refused requests change nothing`, async () => {
      // The state changes only with a 2xx push: compare after every refused push. Pull never writes,
      // so for pull one comparison at the end sees any change (nothing could undo it in between).
      let state = await stateFingerprint(db);
      await fc.assert(
        fc.asyncProperty(bodyBytes(endpoint), headerChoice, async (body, headers) => {
          const response = await server.fetch(buildRequest(`http://fuzz/v1/${endpoint}`, 'POST', body, headers));
          const ok = response.ok;
          tally(endpoint, response);
          await checkAnswer(response, describeRequest('POST', `/v1/${endpoint}`, body, headers));
          if (endpoint === 'pull') return;
          if (ok) state = await stateFingerprint(db);
          else expect(await stateFingerprint(db)).toBe(state);
        }),
        { numRuns: RUNS },
      );
      expect(await stateFingerprint(db)).toBe(state);
    }, TIMEOUT_MS);
  }

  it('POST /v1/webhooks/in/fiscal: no 5xx, documented errors, refused callbacks change nothing', async () => {
    let state = await stateFingerprint(db);
    await fc.assert(
      fc.asyncProperty(bodyBytes('push'), headerChoice, webhookHeaders, async (body, headers, signing) => {
        const request = buildRequest('http://fuzz/v1/webhooks/in/fiscal', 'POST', body, headers);
        for (const [name, value] of Object.entries(signing(new TextDecoder().decode(body)))) request.headers.set(name, value);
        const response = await server.fetch(request);
        const ok = response.ok;
        tally('webhooks', response);
        await checkAnswer(response, describeRequest('POST', '/v1/webhooks/in/fiscal', body, { ...headers, webhook: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((n) => request.headers.get(n)) }));
        if (ok) state = await stateFingerprint(db);
        else expect(await stateFingerprint(db)).toBe(state);
      }),
      { numRuns: RUNS },
    );
    expect(await stateFingerprint(db)).toBe(state);
  }, TIMEOUT_MS);

  for (const path of ['/v1/conflicts', '/v1/events', '/v1/health'] as const) {
    it(`GET ${path}: no 5xx, documented errors, nothing changes`, async () => {
      const before = await stateFingerprint(db);
      await fc.assert(
        fc.asyncProperty(queryString, headerChoice, async (query, headers) => {
          const response = await server.fetch(buildRequest(`http://fuzz${path}${query}`, 'GET', undefined, headers));
          tally(path, response);
          await checkAnswer(response, describeRequest('GET', path + query, undefined, headers));
        }),
        { numRuns: RUNS },
      );
      expect(await stateFingerprint(db)).toBe(before);
    }, TIMEOUT_MS);
  }

  it('/v1/admin/webhooks/…: no 5xx, documented errors, refused requests change nothing', async () => {
    let state = await stateFingerprint(db);
    await fc.assert(
      fc.asyncProperty(adminRoute, headerChoice, adminAuthorization, fc.oneof({ weight: 3, arbitrary: subscriptionBody }, bodyBytes('push')), async ([m, p], headers, authorization, body) => {
        const withBody = m === 'GET' || m === 'HEAD' ? undefined : body;
        const choice = { ...headers, authorization };
        const response = await server.fetch(buildRequest(`http://fuzz/v1/admin/webhooks${p}`, m, withBody, choice));
        const ok = response.ok;
        tally('admin', response);
        await checkAnswer(response, describeRequest(m, `/v1/admin/webhooks${p}`, withBody, choice));
        if (ok) state = await stateFingerprint(db);
        else expect(await stateFingerprint(db)).toBe(state);
      }),
      { numRuns: ADMIN_RUNS },
    );
  }, TIMEOUT_MS);

  it('any method on any path: no 5xx, documented errors, refused requests change nothing', async () => {
    let state = await stateFingerprint(db);
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND');
    const path = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('/v1/push', '/v1/pull', '/v1/events', '/v1/conflicts', '/v1/health') },
      fc.constantFrom('/v1/push', '/v1/pull', '/v1/events', '/v1/conflicts', '/v1/health', '/', '/v1', '/v1/', '/v2/push', '/v1/push/', '//v1/push', '/v1/%2e%2e/push', '/V1/PUSH'),
      fc.webPath(),
    );
    await fc.assert(
      fc.asyncProperty(method, path, headerChoice, fc.option(bodyBytes('push'), { nil: undefined }), async (m, p, headers, body) => {
        const withBody = m === 'GET' || m === 'HEAD' ? undefined : body;
        const response = await server.fetch(buildRequest(`http://fuzz${p}`, m, withBody, headers));
        const ok = response.ok;
        tally('any', response);
        await checkAnswer(response, describeRequest(m, p, withBody, headers));
        // A valid push may come through here too: state is compared only when the answer says refused.
        if (ok) state = await stateFingerprint(db);
        else expect(await stateFingerprint(db)).toBe(state);
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT_MS);
}

describe('fuzzing every endpoint [sqlite]', () => {
  const dir = mkdtempSync(join(tmpdir(), 'syncline-fuzz-'));
  fuzzSuite(async () => ({
    db: openSqliteDatabase(join(dir, 'fuzz.db'), 'relaxed'),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  }));
});

describePostgres('fuzzing every endpoint [postgres]', (pg: PostgresHandle) => {
  fuzzSuite(async () => {
    const db = openPostgresDatabase({ url: await pg.createDatabase(), durability: 'relaxed' });
    return { db, cleanup: () => db.destroy() };
  });
});
