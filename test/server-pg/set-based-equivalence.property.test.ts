// Property: on SQLite and on PostgreSQL, the set-based push of generic writes (src/server/generic-run.ts:
// on PostgreSQL one read and one write statement per run instead of ~9 statements per mutation; on
// SQLite no savepoint, handler context or re-read per mutation) leaves exactly the state and answers
// exactly what running every mutation through its handler does. The same random
// pushes — puts/patches/deletes/increments against every conflict strategy (a custom resolver that
// also throws, a merge with a function rule), stale bases, writes to one key several times in a run,
// forbidden collections, invalid args, impossible increments, named handlers that write, reject or
// fail (dead letters) in between, resends, gaps, settledThrough — go to a server on the default path
// and to one told to run per mutation, each on its own database. Every response and every table must
// be equal, and the set-based server must really have taken its path (counted runs, and on PostgreSQL
// fewer statements).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { Kysely, PostgresDialect, SqliteDialect, sql, type LogEvent } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncServer, MutationRejection, type CollectionPolicy, type MutationHandler, type SyncServer, type SyncServerOptions } from '../../src/server.js';
import type { JsonObject } from '../../src/protocol/json.js';
import type { Mutation } from '../../src/protocol/wire.js';
import { PUSH_PATH, PUSH_RUNS } from '../../src/server/push.js';
import type { ServerDatabase } from '../../src/server/schema.js';
import { describePostgres } from '../helpers/postgres.js';
import { scopeFromToken } from './harness.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? (process.env['CI'] ? 40 : 15));
const SEED = Number(process.env['PROPERTY_SEED'] ?? 20261203);
const CLIENTS = ['aaaa', 'bbbb', 'cccc'] as const;
const COLLECTIONS = ['cw', 'sw', 'lww', 'mg', 'cu', 'ro'] as const;
const KEYS = ['k1', 'k2', 'k3'] as const;

const handlers: Record<string, MutationHandler> = {
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
  'named.fail': async (ctx) => {
    await ctx.put('cw', 'k2', { a: -2 });
    throw new Error('handler exploded');
  },
};

const collections: Record<string, CollectionPolicy> = {
  cw: { writable: true, conflicts: 'client-wins' },
  sw: { writable: true, conflicts: 'server-wins' },
  lww: { writable: true, conflicts: 'last-writer-wins' },
  mg: { writable: true, conflicts: { merge: { a: 'delta', b: ({ server, client }) => `${String(server)}+${String(client)}`.slice(-12) } } },
  // A custom resolver that decides by the client's value, and throws (an unexpected failure) on a = 3.
  cu: {
    writable: true,
    conflicts: {
      resolve: ({ client, server }) => {
        const a = client.value?.['a'];
        if (a === 3) throw new Error('resolver exploded');
        if (a === 0) return 'reject';
        if (a === 1) return 'server';
        if (a === 2) return { value: { ...(server.value ?? {}), resolved: true } };
        return 'client';
      },
    },
  },
};

// `b` sometimes a string, so an increment of `b` is refused (invalid-increment).
const value = fc.record({ a: fc.integer({ min: 0, max: 3 }), b: fc.constantFrom('x', 'y', 1) }, { requiredKeys: [] });
const base = fc.option(fc.integer({ min: 0, max: 14 }), { nil: null });
const target = { collection: fc.constantFrom(...COLLECTIONS), key: fc.constantFrom(...KEYS) };
const op = fc.oneof(
  { weight: 5, arbitrary: fc.record({ name: fc.constant('put'), ...target, value, baseVersion: base }) },
  { weight: 4, arbitrary: fc.record({ name: fc.constant('patch'), ...target, fields: value.filter((v) => Object.keys(v).length > 0), expected: value, baseVersion: base }) },
  { weight: 2, arbitrary: fc.record({ name: fc.constant('delete'), ...target, baseVersion: base }) },
  { weight: 2, arbitrary: fc.record({ name: fc.constant('increment'), ...target, field: fc.constantFrom('a', 'b'), by: fc.integer({ min: -2, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ name: fc.constant('put'), collection: fc.constant('cw'), key: fc.constant(''), value, baseVersion: base }) },
  { weight: 1, arbitrary: fc.record({ name: fc.constant('named.write'), key: fc.constantFrom(...KEYS), n: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ name: fc.constantFrom('named.reject', 'named.fail', 'no.such.mutation'), n: fc.nat(9) }) },
);
const request = fc.record({
  client: fc.nat(CLIENTS.length - 1),
  ops: fc.array(op, { minLength: 1, maxLength: 12 }),
  shift: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -3, max: 1 }) }),
  // settledThrough: none, everything before the request, or reaching into it (a client may claim that).
  settle: fc.constantFrom(undefined, 0, 2),
});

/**
 * One database and server per path. The server counts its set-based runs; on PostgreSQL every
 * statement it runs is counted too (on SQLite the server opens the file itself, so that its push
 * transactions run on better-sqlite3 directly, and `db` is a second connection for the dump).
 */
interface Side {
  server: SyncServer;
  db: Kysely<ServerDatabase>;
  /** PostgreSQL only. */
  statements: number;
  setBasedRuns: number;
}

function side(database: { postgres: string } | { sqlite: string }, maxSliceMutations: number, path: 'set-based' | 'per-mutation'): Side {
  const counted: Side = { statements: 0, setBasedRuns: 0 } as Side;
  counted.db = 'postgres' in database
    ? new Kysely<ServerDatabase>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.postgres, max: 3 }) }),
      log: (event: LogEvent) => {
        if (event.level === 'query') counted.statements += 1;
      },
    })
    : new Kysely<ServerDatabase>({ dialect: new SqliteDialect({ database: new Database(database.sqlite) }) });
  const options = {
    database: 'postgres' in database ? counted.db : database,
    auth: scopeFromToken,
    mutations: handlers,
    collections,
    push: { maxSliceMutations, maxHandlerAttempts: 2 },
    [PUSH_RUNS]: () => {
      counted.setBasedRuns += 1;
    },
  };
  counted.server = createSyncServer((path === 'per-mutation' ? { ...options, [PUSH_PATH]: 'per-mutation' } : options) as SyncServerOptions);
  return counted;
}

async function push(s: SyncServer, scope: string, body: unknown): Promise<unknown> {
  const response = await s.fetch(new Request('http://syncline.test/v1/push', {
    method: 'POST',
    headers: { authorization: `Bearer ${scope}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }));
  return { status: response.status, body: await response.json() };
}

const ORDER: Record<string, string> = {
  scopes: 'scope', records: 'scope, collection, key', record_clocks: 'scope, collection, key', digests: 'scope, collection',
  clients: 'client_id', mutation_outcomes: 'client_id, mutation_id', counters: 'scope, name', conflicts: 'scope, seq', dead_letters: 'scope, client_id, mutation_id',
};
const WALL_CLOCK = ['deleted_at', 'resolved_at', 'failing_since', 'first_failed_at', 'last_failed_at', 'created_at', 'dead_lettered_at', 'id'];

/** Every table's rows of one run (its scope, its clients), in key order; wall-clock columns (which differ between the servers) blanked. */
async function dump(db: Kysely<ServerDatabase>, scope: string, clientPrefix: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, by] of Object.entries(ORDER)) {
    const mine = table === 'mutation_outcomes' ? sql`client_id LIKE ${`${clientPrefix}%`}` : sql`scope = ${scope}`;
    const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)} WHERE ${mine} ORDER BY ${sql.raw(by)}`.execute(db);
    out[table] = rows.map(withoutWallClock);
  }
  return out;
}

function withoutWallClock(row: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...row };
  for (const column of WALL_CLOCK) if (column in copy) copy[column] = '*';
  if (typeof copy['detail'] === 'string') copy['detail'] = JSON.stringify({ ...(JSON.parse(copy['detail']) as JsonObject), resolvedAt: '*' });
  return copy;
}

function withoutWallClockInBody(body: unknown): unknown {
  return JSON.parse(JSON.stringify(body), (key, v: unknown) => (key === 'resolvedAt' ? '*' : v));
}

/** The property, over pairs of servers made by `makeSide` (one pair per slice size). */
function equivalence(makeSide: (maxSlice: number, path: 'set-based' | 'per-mutation') => Promise<Side>, countsStatements: boolean): void {
  // Two slice sizes: small ones cut runs often, the default lets a run span a whole request.
  const pairs: Array<{ setBased: Side; perMutation: Side }> = [];
  beforeAll(async () => {
    for (const maxSlice of [3, 200]) {
      pairs.push({ setBased: await makeSide(maxSlice, 'set-based'), perMutation: await makeSide(maxSlice, 'per-mutation') });
    }
  });
  afterAll(async () => {
    for (const pair of pairs) {
      for (const s of [pair.setBased, pair.perMutation]) {
        await s.server.close();
        await s.db.destroy();
      }
    }
  });
  it('gives the same answers and the same stored state as running each mutation through its handler', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(1), fc.array(request, { minLength: 1, maxLength: 20 }), async (pairIndex, requests) => {
        run += 1;
        const { setBased, perMutation } = pairs[pairIndex]!;
        const scope = `run-${run}`;
        const next = new Map<string, number>(CLIENTS.map((c) => [c, 1]));
        let hlc = 0;
        for (const r of requests) {
          const clientId = `client-${run}-${CLIENTS[r.client]!}`; // each run its own scope and clients: runs do not see each other
          const first = Math.max(1, next.get(CLIENTS[r.client]!)! + r.shift);
          const mutations: Mutation[] = r.ops.map(({ name, ...args }, i) => {
            hlc += 1;
            const stamped = ['put', 'patch', 'delete', 'increment'].includes(name) ? { ...args, hlc: `${String(1_750_000_000_000 + hlc).padStart(15, '0')}.00000.${clientId}` } : args;
            return { id: first + i, name, args: stamped as JsonObject, createdAt: 1_750_000_000_000 + hlc };
          });
          const body = { v: 1, clientId, mutations, ...(r.settle === undefined ? {} : { settledThrough: first - 1 + r.settle }) };
          const a = await push(setBased.server, scope, body);
          const b = await push(perMutation.server, scope, body);
          expect(withoutWallClockInBody(a)).toEqual(withoutWallClockInBody(b));
          const answered = a as { status: number; body: { lastMutationId?: number; error?: { details?: { committedThrough?: number } } } };
          const last = answered.body.lastMutationId ?? answered.body.error?.details?.committedThrough;
          if (last !== undefined) next.set(CLIENTS[r.client]!, Math.max(next.get(CLIENTS[r.client]!)!, last + 1));
        }
        expect(await dump(setBased.db, scope, `client-${run}-`)).toEqual(await dump(perMutation.db, scope, `client-${run}-`));
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // The comparison means something only if the set-based path ran (and on PostgreSQL, with fewer statements).
    for (const { setBased, perMutation } of pairs) {
      expect(setBased.setBasedRuns).toBeGreaterThan(0);
      expect(perMutation.setBasedRuns).toBe(0);
      if (countsStatements) expect(setBased.statements).toBeLessThan(perMutation.statements);
    }
  }, 600_000);
}

describe('SQLite set-based push', () => {
  const dir = mkdtempSync(join(tmpdir(), 'syncline-set-based-'));
  let files = 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  equivalence(async (maxSlice, path) => side({ sqlite: join(dir, `${(files += 1)}.db`) }, maxSlice, path), false);
});

describePostgres('PostgreSQL set-based push [postgres]', (pgHandle) => {
  equivalence(async (maxSlice, path) => side({ postgres: await pgHandle.createDatabase() }, maxSlice, path), true);
});
