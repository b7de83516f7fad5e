// Incoming webhooks over real HTTP on loopback, both backends: a signed callback becomes a server-side
// write in the scope its source names, poked and pulled; a bad signature, a stale timestamp, a replayed
// webhook-id (also after a restart), an unknown source and malformed input are refused and change nothing.
import { Webhook } from 'standardwebhooks';
import { afterEach, expect, it } from 'vitest';
import { createSyncServer, MutationRejection, serveNode, tokenAuth, WEBHOOK_CLIENT_ID } from '../../src/server.js';
import type { IncomingWebhookOptions, MutationHandler, SyncServerOptions } from '../../src/server.js';
import { isJsonObject } from '../../src/protocol/json.js';
import { describeEachDialect, pullAll, TOKENS, wrapServer } from './helpers.js';
import type { TestServer } from './helpers.js';
import { openPokes, until } from './poke-reader.js';

const OLD_SECRET = 'whsec_' + Buffer.from('old fiscal secret, 32 bytes long!').toString('base64');
const NEW_SECRET = 'whsec_' + Buffer.from('new fiscal secret, 32 bytes long!').toString('base64');
const OTHER_SECRET = 'whsec_' + Buffer.from('somebody else entirely, 32 bytes').toString('base64');

let calls: Array<{ clientId: string; receipt: string }> = [];
let explode = false;
const mutations: Record<string, MutationHandler> = {
  fiscalResult: async (ctx, args) => {
    if (!isJsonObject(args) || typeof args['receipt'] !== 'string') throw new MutationRejection('bad-args', 'receipt missing');
    if (explode) throw new Error('database hiccup');
    if (args['status'] === 'unknown') throw new MutationRejection('unknown-receipt', `no receipt ${args['receipt']}`);
    calls.push({ clientId: ctx.clientId, receipt: args['receipt'] });
    await ctx.put('receipts', args['receipt'], { fiscal: args['status'] ?? null });
    return null;
  },
};

const incomingWebhooks: IncomingWebhookOptions = {
  sources: {
    fiscal: {
      secret: [NEW_SECRET, OLD_SECRET],
      handle: (payload) => {
        if (!isJsonObject(payload) || typeof payload['shop'] !== 'string') throw new Error('payload has no shop');
        if (payload['type'] === 'ping') return null;
        return { scope: payload['shop'], mutation: 'fiscalResult', args: { receipt: payload['receipt'] ?? null, status: payload['status'] ?? null } };
      },
    },
  },
  maxBodyBytes: 2048,
};

interface Delivery {
  id?: string;
  secret?: string;
  timestamp?: Date;
  body?: string;
  source?: string;
  headers?: Record<string, string>;
}

describeEachDialect('incoming webhooks', (start) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    calls = [];
    explode = false;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function serve(options: Partial<SyncServerOptions> = {}): Promise<{ t: TestServer; deliver(d?: Delivery): Promise<Response> }> {
    const t = await start({ mutations, incomingWebhooks, ...options });
    return { t, deliver: await listen(t) };
  }

  async function listen(t: TestServer): Promise<(d?: Delivery) => Promise<Response>> {
    const http = await serveNode(t.server, { port: 0 });
    cleanups.push(async () => {
      await http.close();
      await t.cleanup();
    });
    let n = 0;
    return (d = {}) => {
      const id = d.id ?? `msg_${String(++n)}`;
      const body = d.body ?? JSON.stringify({ shop: 'scope-a', receipt: 'r-1', status: 'accepted' });
      const timestamp = d.timestamp ?? new Date();
      return fetch(`${http.url}/v1/webhooks/in/${d.source ?? 'fiscal'}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': new Webhook(d.secret ?? NEW_SECRET).sign(id, timestamp, body),
          ...d.headers,
        },
        body,
      });
    };
  }

  async function refused(response: Response, status: number, code: string): Promise<void> {
    const text = await response.text();
    expect({ status: response.status, code: (JSON.parse(text) as { error: { code: string } }).error.code }, text).toEqual({ status, code });
  }

  it('a signed callback becomes a write in its scope as syncline:webhook, poked and pulled; either secret of a rotation works', async () => {
    const { t, deliver } = await serve();
    const pokes = await openPokes(t.server, 'token-a');
    try {
      const response = await deliver({ id: 'msg_a' });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ v: 1, status: 'applied', version: 1 });
      await until('the webhook write is poked', () => pokes.versions.includes(1));
      expect(calls).toEqual([{ clientId: WEBHOOK_CLIENT_ID, receipt: 'r-1' }]);
      expect((await pullAll(t)).get('receipts/r-1')).toEqual({ fiscal: 'accepted' });

      const signedWithOld = await deliver({ id: 'msg_b', secret: OLD_SECRET, body: JSON.stringify({ shop: 'scope-a', receipt: 'r-2', status: 'refused' }) });
      expect(await signedWithOld.json()).toEqual({ v: 1, status: 'applied', version: 2 });
      // A domain refusal is an answer (2xx, so the sender stops retrying) and writes nothing.
      const unknown = await deliver({ id: 'msg_c', body: JSON.stringify({ shop: 'scope-a', receipt: 'r-9', status: 'unknown' }) });
      expect(await unknown.json()).toMatchObject({ v: 1, status: 'rejected', code: 'unknown-receipt' });
      const ping = await deliver({ id: 'msg_d', body: JSON.stringify({ shop: 'scope-a', type: 'ping' }) });
      expect(await ping.json()).toEqual({ v: 1, status: 'ignored' });
      expect((await t.pull(0)).cursor).toBe(2);
    } finally {
      await pokes.stop();
    }
  });

  it('bad signatures, stale or future timestamps, replays, unknown sources and malformed input are refused and change nothing', async () => {
    const { t, deliver } = await serve();
    expect((await deliver({ id: 'msg_seen' })).status).toBe(200);
    const pokes = await openPokes(t.server, 'token-a');
    const before = await pullAll(t);
    const changed = { shop: 'scope-a', receipt: 'r-evil', status: 'accepted' };
    try {
      await refused(await deliver({ secret: OTHER_SECRET, body: JSON.stringify(changed) }), 401, 'webhook-signature-invalid');
      await refused(await deliver({ body: JSON.stringify(changed), headers: { 'webhook-signature': 'v1,AAAA v2,BBBB' } }), 401, 'webhook-signature-invalid');
      // Signed for one body, sent with another.
      const id = 'msg_tampered';
      const now = new Date();
      const signature = new Webhook(NEW_SECRET).sign(id, now, JSON.stringify({ shop: 'scope-a', receipt: 'r-1', status: 'accepted' }));
      await refused(await deliver({ id, timestamp: now, body: JSON.stringify(changed), headers: { 'webhook-signature': signature } }), 401, 'webhook-signature-invalid');
      await refused(await deliver({ body: JSON.stringify(changed), timestamp: new Date(Date.now() - 10 * 60_000) }), 401, 'webhook-stale');
      await refused(await deliver({ body: JSON.stringify(changed), timestamp: new Date(Date.now() + 10 * 60_000) }), 401, 'webhook-stale');
      // The same webhook-id again, freshly and validly signed, even with another body.
      await refused(await deliver({ id: 'msg_seen', body: JSON.stringify(changed) }), 409, 'webhook-replayed');
      await refused(await deliver({ source: 'nobody', body: JSON.stringify(changed) }), 404, 'not-found');
      await refused(await deliver({ body: '{"shop": ' }), 400, 'invalid-json');
      await refused(await deliver({ body: JSON.stringify({ receipt: 'r-evil' }) }), 400, 'webhook-payload-invalid');
      await refused(await deliver({ body: JSON.stringify({ ...changed, pad: 'x'.repeat(4096) }) }), 413, 'too-large');
      await refused(await deliver({ body: JSON.stringify(changed), headers: { 'webhook-timestamp': 'soon' } }), 400, 'webhook-headers-missing');
      await refused(await deliver({ body: JSON.stringify(changed), headers: { 'content-type': 'text/plain' } }), 415, 'unsupported-media-type');

      expect(await pullAll(t)).toEqual(before);
      expect(calls).toHaveLength(1);
      expect(pokes.versions).toEqual([1]);
    } finally {
      await pokes.stop();
    }
  });

  it('the seen id commits with the write: a failed write leaves the id free for the redelivery; after a restart a redelivery is still refused', async () => {
    const { t, deliver } = await serve();
    explode = true;
    expect((await deliver({ id: 'msg_retry' })).status).toBe(500);
    expect((await t.pull(0)).cursor).toBe(0);
    explode = false;
    expect(await (await deliver({ id: 'msg_retry' })).json()).toEqual({ v: 1, status: 'applied', version: 1 });

    // A fresh server on the same database: the id is remembered durably.
    await t.server.close();
    const database = t.dbPath.startsWith('postgres') ? { postgres: t.dbPath } : { sqlite: t.dbPath };
    const again = wrapServer(createSyncServer({ database, auth: tokenAuth(TOKENS), mutations, incomingWebhooks }), t.dir, t.dbPath);
    const redeliver = await listen(again);
    await refused(await redeliver({ id: 'msg_retry' }), 409, 'webhook-replayed');
    expect(calls).toHaveLength(1);
    expect((await again.pull(0)).cursor).toBe(1);
  });
});
