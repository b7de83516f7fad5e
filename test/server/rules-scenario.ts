/**
 * The access-rules scenario, run over real HTTP on loopback with HS256 JWTs against SQLite
 * (test/server/rules.test.ts) and PostgreSQL (test/server-pg/rules.test.ts): a cashier and a manager,
 * write rules that keep prices for managers, a collection only managers and auditors read, records
 * readable by their owner only, and a revoked role whose records leave the client on its next sync.
 */
import { expect } from 'vitest';
import { createClient, type SynclineClient as SyncClient } from '../../src/index.js';
import { createSyncServer, jwtAuth, serveNode, type AccessRules, type SyncServerOptions } from '../../src/server.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { AUDIENCE, hsToken, ISSUER, SECRET } from './jwt-helpers.js';

const isManager = (roles: readonly string[]): boolean => roles.includes('manager');

export const SHOP_RULES: AccessRules = {
  // Anyone may change stock; only a manager may set or change a price, create or delete a product.
  products: { write: ({ caller, before, after }) => isManager(caller.roles) || (before !== undefined && after !== undefined && before['price'] === after['price']) },
  // Purchase costs: managers and auditors read them, managers write them.
  costs: { read: ({ caller }) => isManager(caller.roles) || caller.roles.includes('auditor'), write: ({ caller }) => isManager(caller.roles) },
  // Notes: each is readable by its owner (and managers).
  notes: { read: ({ caller, value }) => isManager(caller.roles) || value['owner'] === caller.subject },
};

const COLLECTIONS = { products: { writable: true }, costs: { writable: true }, notes: { writable: true } };

export async function runRulesScenario(database: SyncServerOptions['database']): Promise<void> {
  const server = createSyncServer({ database, auth: jwtAuth({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE }), collections: COLLECTIONS, rules: SHOP_RULES });
  const http = await serveNode(server);
  const clients: SyncClient[] = [];
  const clientFor = async (token: () => Promise<string>): Promise<SyncClient> => {
    const client = await createClient({ store: createMemoryStore(), transport: createHttpTransport({ url: http.url, token }), autoSync: false });
    clients.push(client);
    return client;
  };
  try {
    const managerToken = await hsToken({ sub: 'mgr', scope: 'shop-1', roles: ['manager'] });
    const manager = await clientFor(async () => managerToken);
    let aliceRoles = ['cashier', 'auditor'];
    const alice = await clientFor(() => hsToken({ sub: 'alice', scope: 'shop-1', roles: aliceRoles }));

    await manager.collection('products').put('p1', { name: 'Tea', price: 10, stock: 5 });
    await manager.collection('costs').put('c1', { product: 'p1', amount: 3 });
    await manager.collection('notes').put('n1', { owner: 'alice', text: 'count the till' });
    await manager.collection('notes').put('n2', { owner: 'mgr', text: 'raise tea price' });
    expect((await manager.sync()).pushed).toMatchObject({ applied: 4, rejected: 0 });

    // Alice (cashier + auditor) sees products, costs and her own note only; her view verifies as it is.
    const first = await alice.sync();
    expect(first.verify.status).toBe('verified');
    expect(await keys(alice, 'notes')).toEqual(['n1']);
    expect(await keys(alice, 'costs')).toEqual(['c1']);

    // A cashier cannot change a price: rejected `forbidden` for good, rolled back locally, nothing changed on the server.
    const rejected: Array<{ code: string }> = [];
    alice.on('mutation.rejected', (event) => rejected.push(event));
    await alice.collection('products').patch('p1', { price: 1 });
    await alice.collection('products').patch('p1', { stock: 4 });
    await alice.collection('costs').put('c2', { product: 'p1', amount: 0 });
    // A record she may not read she may not overwrite either (its conflict report would show it); her own new one she may write.
    await alice.collection('notes').put('n2', { owner: 'alice', text: 'mine now' });
    await alice.collection('notes').put('n3', { owner: 'alice', text: 'till ok' });
    const writes = await alice.sync();
    expect(writes.pushed).toMatchObject({ applied: 2, rejected: 3 });
    expect(rejected.map((r) => r.code)).toEqual(['forbidden', 'forbidden', 'forbidden']);
    expect(await keys(alice, 'notes')).toEqual(['n1', 'n3']);
    expect((await alice.collection('products').get('p1'))).toEqual({ name: 'Tea', price: 10, stock: 4 });
    expect(await keys(alice, 'costs')).toEqual(['c1']);
    await manager.sync();
    expect(await manager.collection('products').get('p1')).toEqual({ name: 'Tea', price: 10, stock: 4 });
    expect(await keys(manager, 'costs')).toEqual(['c1']);
    expect(await manager.collection('notes').get('n2')).toEqual({ owner: 'mgr', text: 'raise tea price' });

    // What a caller may not read never leaves the server: not in a page, not as a digest of it.
    const raw = await rawPull(http.url, await hsToken({ sub: 'carol', scope: 'shop-1', roles: ['cashier'] }));
    expect(raw).not.toContain('count the till');
    expect(raw).not.toContain('raise tea price');
    expect(raw).not.toContain('"amount"');
    expect(raw).not.toContain('"costs"');

    // The record changes so the rule now denies it: gone from alice after her next sync.
    await manager.collection('notes').patch('n1', { owner: 'bob' });
    await manager.sync();
    const moved = await alice.sync();
    expect(moved.verify.repaired).toEqual(['notes']);
    expect(await keys(alice, 'notes')).toEqual(['n3']);

    // Her auditor role is revoked (no record changes): the costs leave her client on the next sync.
    aliceRoles = ['cashier'];
    const revoked = await alice.sync();
    expect(revoked.verify).toMatchObject({ status: 'repaired', repaired: ['costs'] });
    expect(await keys(alice, 'costs')).toEqual([]);
    expect((await alice.sync()).verify.status).toBe('verified');

    // Granted again: the records come back the same way.
    aliceRoles = ['cashier', 'auditor'];
    expect((await alice.sync()).verify.repaired).toEqual(['costs']);
    expect(await keys(alice, 'costs')).toEqual(['c1']);
  } finally {
    for (const client of clients) await client.close();
    await http.close();
    await server.close();
  }
}

async function keys(client: SyncClient, collection: string): Promise<string[]> {
  return (await client.collection(collection).list()).map((r) => r.key).sort();
}

async function rawPull(url: string, token: string): Promise<string> {
  const response = await fetch(`${url}/v1/pull`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ v: 1, clientId: 'client-raw-carol', cursor: 0, limit: 1000 }),
  });
  expect(response.status).toBe(200);
  return response.text();
}
