// Access rules over real HTTP on loopback with HS256 JWTs, on SQLite (the PostgreSQL run is
// test/server-pg/rules.test.ts); the scenario itself is in rules-scenario.ts.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSyncServer, jwtAuth, MutationRejection, type MutationHandler } from '../../src/server.js';
import type { JsonObject } from '../../src/protocol/json.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { tempDir } from './helpers.js';
import { AUDIENCE, hsToken, ISSUER, SECRET, serve } from './jwt-helpers.js';
import { runRulesScenario, SHOP_RULES } from './rules-scenario.js';

// A named handler that enforces the rules on its own write through ctx.rules.
const setPrice: MutationHandler = async (ctx, args) => {
  const { key, price } = args as { key: string; price: number };
  const before = await ctx.get('products', key);
  const after = { ...(before ?? {}), price };
  if (!ctx.rules.canWrite({ collection: 'products', key, op: 'put', before, after })) throw new MutationRejection('forbidden', 'Only managers set prices.');
  await ctx.put('products', key, after);
  return undefined;
};

describe('access rules [sqlite]', () => {
  it('deny writes and reads per role; a record that leaves a caller\'s view (record change, revoked role) leaves its client on the next sync', async () => {
    const dir = tempDir();
    try {
      await runRulesScenario({ sqlite: join(dir, 'server.db') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a malformed rules option at construction', () => {
    const auth = jwtAuth({ secret: SECRET });
    expect(() => createSyncServer({ database: { sqlite: ':memory:' }, auth, rules: { notes: { read: true } as never } })).toThrow(/rules\.notes\.read must be a function/);
    expect(() => createSyncServer({ database: { sqlite: ':memory:' }, auth, rules: { notes: { reed: () => true } as never } })).toThrow(/unknown key\(s\) reed/);
  });

  it('hands named handlers the rules bound to the caller (ctx.rules), and nulls conflict audit values a caller may not read', async () => {
    const served = await serve({
      auth: jwtAuth({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE }),
      collections: { products: { writable: true }, notes: { writable: true } },
      rules: SHOP_RULES,
      mutations: { 'prices.set': setPrice },
    });
    try {
      const as = async (sub: string, roles: string[]) => createHttpTransport({ url: served.http.url, token: await hsToken({ sub, scope: 'shop-1', roles }) });
      const manager = await as('mgr', ['manager']);
      const cashier = await as('alice', ['cashier']);
      const put = (id: number, value: JsonObject, baseVersion: number | null) => ({ id, name: 'put', args: { collection: 'notes', key: 'n1', value, baseVersion }, createdAt: 0 });
      const byManager = await manager.push({ v: 1, clientId: 'client-rules-mgr1', mutations: [
        { id: 1, name: 'prices.set', args: { key: 'p1', price: 10 }, createdAt: 0 },
        put(2, { owner: 'mgr', text: 'secret plan' }, null),
      ] });
      // Another device of the manager's, with a stale base: a conflict, audited (client-wins).
      const stale = await manager.push({ v: 1, clientId: 'client-rules-mgr2', mutations: [put(1, { owner: 'mgr', text: 'secret plan v2' }, null)] });
      expect([...byManager.outcomes, ...stale.outcomes].map((o) => o.status)).toEqual(['applied', 'applied', 'applied']);
      const byCashier = await cashier.push({ v: 1, clientId: 'client-rules-alice', mutations: [{ id: 1, name: 'prices.set', args: { key: 'p1', price: 1 }, createdAt: 0 }] });
      expect(byCashier.outcomes[0]).toMatchObject({ status: 'rejected', code: 'forbidden' });

      const audit = async (sub: string, roles: string[]) => {
        const response = await fetch(`${served.http.url}/v1/conflicts`, { headers: { authorization: `Bearer ${await hsToken({ sub, scope: 'shop-1', roles })}` } });
        return (await response.json()) as { conflicts: Array<Record<string, unknown>> };
      };
      expect((await audit('mgr', ['manager'])).conflicts[0]).toMatchObject({ key: 'n1', serverValue: { text: 'secret plan' }, value: { text: 'secret plan v2' } });
      const hidden = await audit('alice', ['cashier']);
      expect(hidden.conflicts[0]).toMatchObject({ key: 'n1', serverValue: null, value: null, clientValue: null });
      expect(JSON.stringify(hidden)).not.toContain('secret plan');
    } finally {
      await served.close();
    }
  });
});
