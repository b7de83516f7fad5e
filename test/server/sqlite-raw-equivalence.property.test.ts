// Property: the SQLite push hot path (src/server/sqlite-raw.ts: hand-written better-sqlite3 statements
// instead of kysely) leaves exactly the state and answers exactly what the portable kysely path does.
// The same random pushes — generic puts/patches/deletes/increments against every conflict strategy,
// stale bases, forbidden collections, named handlers that write, reject or fail (dead letters), resends
// and gaps — go to a server that opened its SQLite file itself (raw path) and to one given a Kysely
// over its own file (kysely path). Every response and every table must be equal.
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { join } from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createSyncServer, MutationRejection, tokenAuth, type MutationHandler, type SyncServer } from '../../src/server.js';
import type { JsonObject } from '../../src/protocol/json.js';
import type { Mutation } from '../../src/protocol/wire.js';
import type { ServerDatabase } from '../../src/server/schema.js';
import { tempDir } from '../helpers/harness.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? (process.env['CI'] ? 40 : 15));
const SEED = Number(process.env['PROPERTY_SEED'] ?? 20261203);
const CLIENTS = ['client-aaaa', 'client-bbbb', 'client-cccc'] as const;
const COLLECTIONS = ['cw', 'sw', 'lww', 'mg', 'ro'] as const;
const KEYS = ['k1', 'k2', 'k3'] as const;

const handlers: Record<string, MutationHandler> = {
  // Writes through the context: reads, puts, deletes and a counter, so named writes mix with generic ones.
  'named.write': async (ctx, args) => {
    const { key, n } = args as { key: string; n: number };
    const current = await ctx.get('cw', key);
    if (n % 5 === 0) await ctx.delete('cw', key);
    else await ctx.put('cw', key, { a: ((current?.['a'] as number | undefined) ?? 0) + n, by: 'named' });
    return await ctx.nextCounter('named');
  },
  'named.reject': async (ctx, args) => {
    await ctx.put('cw', 'k1', { a: -1 });
    throw new MutationRejection('nope', `refused ${JSON.stringify(args)}`);
  },
  // Fails unexpectedly: the push answers 500 until the server gives up and dead-letters it.
  'named.fail': async (ctx) => {
    await ctx.put('cw', 'k2', { a: -2 });
    throw new Error('handler exploded');
  },
};

const value = fc.record({ a: fc.integer({ min: 0, max: 3 }), b: fc.constantFrom('x', 'y') }, { requiredKeys: [] });
const base = fc.option(fc.integer({ min: 0, max: 12 }), { nil: null });
const target = { collection: fc.constantFrom(...COLLECTIONS), key: fc.constantFrom(...KEYS) };
const op = fc.oneof(
  { weight: 4, arbitrary: fc.record({ name: fc.constant('put'), ...target, value, baseVersion: base }) },
  { weight: 4, arbitrary: fc.record({ name: fc.constant('patch'), ...target, fields: value.filter((v) => Object.keys(v).length > 0), expected: value, baseVersion: base }) },
  { weight: 2, arbitrary: fc.record({ name: fc.constant('delete'), ...target, baseVersion: base }) },
  { weight: 1, arbitrary: fc.record({ name: fc.constant('increment'), ...target, field: fc.constant('a'), by: fc.integer({ min: -2, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ name: fc.constant('named.write'), key: fc.constantFrom(...KEYS), n: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ name: fc.constantFrom('named.reject', 'named.fail', 'no.such.mutation'), n: fc.nat(9) }) },
);
/** One request: a client sends `count` mutations starting `shift` after its next id (negative: a resend, positive: a gap). */
const request = fc.record({
  client: fc.nat(CLIENTS.length - 1),
  ops: fc.array(op, { minLength: 1, maxLength: 6 }),
  shift: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -3, max: 1 }) }),
  settle: fc.boolean(),
});

const dir = tempDir('syncline-raw-equivalence-');
afterAll(() => dir.remove());

function server(database: { sqlite: string } | Kysely<ServerDatabase>): SyncServer {
  return createSyncServer({
    database,
    auth: tokenAuth({ t1: 'scope-1' }),
    mutations: handlers,
    collections: {
      cw: { writable: true, conflicts: 'client-wins' },
      sw: { writable: true, conflicts: 'server-wins' },
      lww: { writable: true, conflicts: 'last-writer-wins' },
      mg: { writable: true, conflicts: { merge: { a: 'delta' } } },
    },
    // Small slices so a request spans several; two attempts before a dead letter.
    push: { maxSliceMutations: 2, maxHandlerAttempts: 2 },
  });
}

async function push(s: SyncServer, body: unknown): Promise<unknown> {
  const response = await s.fetch(new Request('http://syncline.test/v1/push', {
    method: 'POST',
    headers: { authorization: 'Bearer t1', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }));
  return { status: response.status, body: await response.json() };
}

/** Every table, in key order; wall-clock columns (which differ between the two servers) blanked. */
function dump(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const order: Record<string, string> = {
      scopes: 'scope', records: 'scope, collection, key', record_clocks: 'scope, collection, key', digests: 'scope, collection',
      clients: 'client_id', mutation_outcomes: 'client_id, mutation_id', counters: 'scope, name', conflicts: 'scope, seq', dead_letters: 'scope, client_id, mutation_id',
    };
    const out: Record<string, unknown[]> = {};
    for (const [table, by] of Object.entries(order)) {
      out[table] = db.prepare(`SELECT * FROM ${table} ORDER BY ${by}`).all().map((row) => withoutWallClock(row as Record<string, unknown>));
    }
    return out;
  } finally {
    db.close();
  }
}

function withoutWallClock(row: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...row };
  for (const column of ['deleted_at', 'resolved_at', 'failing_since', 'first_failed_at', 'last_failed_at', 'created_at', 'dead_lettered_at', 'id']) if (column in copy) copy[column] = '*';
  if (typeof copy['detail'] === 'string') copy['detail'] = JSON.stringify({ ...(JSON.parse(copy['detail']) as JsonObject), resolvedAt: '*' });
  return copy;
}

function withoutWallClockInBody(body: unknown): unknown {
  return JSON.parse(JSON.stringify(body), (key, v: unknown) => (key === 'resolvedAt' ? '*' : v));
}

describe('SQLite raw push path', () => {
  it('gives the same answers and the same stored state as the kysely path', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 25 }), async (requests) => {
        run += 1;
        const rawFile = join(dir.path, `raw-${run}.db`);
        const kyselyFile = join(dir.path, `kysely-${run}.db`);
        const own = new Kysely<ServerDatabase>({ dialect: new SqliteDialect({ database: new Database(kyselyFile) }) });
        const servers = [server({ sqlite: rawFile }), server(own)] as const;
        try {
          const next = new Map<string, number>(CLIENTS.map((c) => [c, 1]));
          let hlc = 0;
          for (const r of requests) {
            const clientId = CLIENTS[r.client]!;
            const first = Math.max(1, next.get(clientId)! + r.shift);
            const mutations: Mutation[] = r.ops.map(({ name, ...args }, i) => {
              hlc += 1;
              const stamped = ['put', 'patch', 'delete', 'increment'].includes(name) ? { ...args, hlc: `${String(1_750_000_000_000 + hlc).padStart(15, '0')}.00000.${clientId}` } : args;
              return { id: first + i, name, args: stamped as JsonObject, createdAt: 1_750_000_000_000 + hlc };
            });
            const body = { v: 1, clientId, mutations, ...(r.settle ? { settledThrough: first - 1 } : {}) };
            const [a, b] = [await push(servers[0], body), await push(servers[1], body)];
            expect(withoutWallClockInBody(a)).toEqual(withoutWallClockInBody(b));
            const answered = a as { status: number; body: { lastMutationId?: number; error?: { details?: { committedThrough?: number } } } };
            const last = answered.body.lastMutationId ?? answered.body.error?.details?.committedThrough;
            if (last !== undefined) next.set(clientId, Math.max(next.get(clientId)!, last + 1));
          }
        } finally {
          await servers[0].close();
          await servers[1].close();
          await own.destroy();
        }
        expect(dump(rawFile)).toEqual(dump(kyselyFile));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, 240_000);
});
