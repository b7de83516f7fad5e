/**
 * The access-rules property, over any database (test/server/rules.property.test.ts runs it on SQLite,
 * test/server-pg/rules.property.test.ts on PostgreSQL): three clients whose roles change at random
 * make random puts and deletes, with syncs in between. After every sync of a client:
 * - the server holds exactly what applying the writes the rules allow, in the order it took them,
 *   gives (a model of the rules, below), and every refused write was refused `forbidden`;
 * - the client's records equal the subset of the server's its current role may read, and its verify
 *   ended verified or repaired (never unverified): its digest matched the view it was sent.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { createClient, type SynclineClient } from '../../src/index.js';
import type { JsonObject } from '../../src/protocol/json.js';
import { createSyncServer, type AccessRules, type Authenticate, type SyncServer, type SyncServerOptions } from '../../src/server.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';

type Role = 'admin' | 'writer' | 'reader';
type Level = 'public' | 'internal' | 'secret';
const KEYS = ['a', 'b', 'c'] as const;

/** Who may read a record of this level. */
function readable(role: Role, value: JsonObject): boolean {
  return role === 'admin' || (role === 'writer' ? value['level'] !== 'secret' : value['level'] === 'public');
}

/** Who may make this write (before/after undefined = absent). */
function writable(role: Role, before: JsonObject | undefined, after: JsonObject | undefined): boolean {
  if (role === 'admin') return true;
  return role === 'writer' && before?.['level'] !== 'secret' && after?.['level'] !== 'secret';
}

const roleOf = (roles: readonly string[]): Role => (roles[0] ?? 'reader') as Role;

export const PROPERTY_RULES: AccessRules = {
  items: {
    read: ({ caller, value }) => readable(roleOf(caller.roles), value),
    write: ({ caller, before, after }) => writable(roleOf(caller.roles), before, after),
  },
};

/** Bearer `<scope>.<role>`: each property run uses a fresh scope on one server. */
const auth: Authenticate = (request) => {
  const match = /^Bearer ([\w-]+)\.(admin|writer|reader)$/.exec(request.headers.get('authorization') ?? '');
  return match === null ? null : { scope: match[1] as string, roles: [match[2] as string], subject: match[2] as string };
};

type Action =
  | { t: 'put'; c: number; key: number; level: Level; n: number }
  | { t: 'delete'; c: number; key: number }
  | { t: 'role'; c: number; role: Role }
  | { t: 'sync'; c: number };

const role = fc.constantFrom<Role>('admin', 'writer', 'reader');
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('put' as const), c: fc.nat(2), key: fc.nat(KEYS.length - 1), level: fc.constantFrom<Level>('public', 'internal', 'secret'), n: fc.nat(99) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delete' as const), c: fc.nat(2), key: fc.nat(KEYS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('role' as const), c: fc.nat(2), role }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('sync' as const), c: fc.nat(2) }) },
);
const scenario = fc.record({ roles: fc.tuple(role, role, role), actions: fc.array(action, { minLength: 3, maxLength: 20 }) });

export async function checkRulesProperty(database: SyncServerOptions['database'], runs: number, seed: number): Promise<void> {
  const server = createSyncServer({ database, auth, collections: { items: { writable: true } }, rules: PROPERTY_RULES });
  let run = 0;
  try {
    await fc.assert(fc.asyncProperty(scenario, async (s) => {
      run += 1;
      await checkScenario(server, `run-${seed}-${run}`, s.roles, s.actions);
    }), { numRuns: runs, seed });
  } finally {
    await server.close();
  }
}

async function checkScenario(server: SyncServer, scope: string, initial: [Role, Role, Role], actions: Action[]): Promise<void> {
  const roles: Role[] = [...initial];
  const model = new Map<string, JsonObject>();
  const clients: SynclineClient[] = [];
  for (let c = 0; c < 3; c += 1) {
    const transport = createHttpTransport({ url: 'http://rules.test', token: async () => `${scope}.${roles[c] as Role}`, fetch: (r) => server.fetch(r) });
    clients.push(await createClient({ store: createMemoryStore(), transport, autoSync: false }));
  }
  // Each client's writes not yet pushed, in order, with the role they will be pushed as (the sync's).
  const pending: Action[][] = [[], [], []];
  try {
    for (const a of actions) {
      const client = clients[a.c] as SynclineClient;
      if (a.t === 'role') roles[a.c] = a.role;
      else if (a.t === 'put') {
        await client.collection('items').put(KEYS[a.key] as string, { level: a.level, n: a.n });
        pending[a.c]?.push(a);
      } else if (a.t === 'delete') {
        await client.collection('items').delete(KEYS[a.key] as string);
        pending[a.c]?.push(a);
      } else {
        await syncAndCheck(client, roles[a.c] as Role, pending[a.c] as Action[], model);
      }
    }
    for (let c = 0; c < 3; c += 1) await syncAndCheck(clients[c] as SynclineClient, roles[c] as Role, pending[c] as Action[], model);
    expect(await serverState(server, scope)).toEqual(Object.fromEntries([...model].sort(([x], [y]) => x.localeCompare(y))));
  } finally {
    for (const client of clients) await client.close();
  }
}

/** Push (the model applies what the rules allow), pull, then compare the client with the model's readable subset. */
async function syncAndCheck(client: SynclineClient, role: Role, pending: Action[], model: Map<string, JsonObject>): Promise<void> {
  const codes: string[] = [];
  const stop = client.on('mutation.rejected', (event) => codes.push(event.code));
  const result = await client.sync();
  stop();
  let refused = 0;
  for (const a of pending.splice(0)) {
    const key = KEYS[(a as { key: number }).key] as string;
    const before = model.get(key);
    const after = a.t === 'put' ? { level: a.level, n: a.n } : undefined;
    // The server refuses a write to a record the writer may not read, and any write its rule denies.
    const allowed = (before === undefined || readable(role, before)) && writable(role, before, after);
    if (!allowed) refused += 1;
    else if (after === undefined) model.delete(key);
    else model.set(key, after);
  }
  expect(result.outcome).toBe('completed');
  expect(codes).toEqual(Array.from({ length: refused }, () => 'forbidden'));
  expect(['verified', 'repaired']).toContain(result.verify.status);
  const held = Object.fromEntries((await client.collection('items').list()).map((r) => [r.key, r.value]));
  const visible = Object.fromEntries([...model].filter(([, v]) => readable(role, v)).sort(([x], [y]) => x.localeCompare(y)));
  expect(held).toEqual(visible);
}

/** The scope's live records as the server holds them, pulled by a role that may read everything. */
async function serverState(server: SyncServer, scope: string): Promise<Record<string, JsonObject>> {
  const response = await server.fetch(new Request('http://rules.test/v1/pull', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${scope}.admin` },
    body: JSON.stringify({ v: 1, clientId: `${scope}-observer`, cursor: 0, limit: 1000 }),
  }));
  const page = (await response.json()) as { hasMore: boolean; changes: Array<{ key: string; value?: JsonObject; deleted?: true }> };
  expect(page.hasMore).toBe(false);
  const state: Record<string, JsonObject> = {};
  for (const change of page.changes) {
    if (change.value === undefined) delete state[change.key];
    else state[change.key] = change.value;
  }
  return Object.fromEntries(Object.entries(state).sort(([x], [y]) => x.localeCompare(y)));
}
