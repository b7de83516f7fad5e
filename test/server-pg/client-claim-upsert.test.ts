/**
 * The narrow end of the client-claim race: a push into scope B that found no client row (under B's
 * lock) meets, at its client-row upsert, a row another scope committed meanwhile. The upsert must not
 * take that row over (its ON CONFLICT matches the scope): the push answers 403 and rolls back, and
 * the other scope's row stays as it was. A handler commits the competing row from a separate
 * connection at exactly that moment, so the race is certain, not hoped for.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MutationHandler } from '../../src/server.js';
import { describePostgres } from '../helpers/postgres.js';
import type { TestServer } from '../server/helpers.js';
import { serverOn } from './harness.js';

describePostgres('client row upsert meets a row of another scope [postgres]', (pgHandle) => {
  let t: TestServer;
  let url: string;
  beforeAll(async () => {
    url = await pgHandle.createDatabase();
    const handlers: Record<string, MutationHandler> = {
      // Writes a record, then another scope claims this client id and commits, outside this transaction.
      'claim.elsewhere': async (ctx) => {
        await ctx.put('notes', 'n1', { text: 'from scope b' });
        const other = new pg.Client({ connectionString: url });
        await other.connect();
        try {
          await other.query('INSERT INTO clients (client_id, scope, last_mutation_id) VALUES ($1, $2, 7)', [ctx.clientId, 'scope-other']);
        } finally {
          await other.end();
        }
        return null;
      },
    };
    t = serverOn(url, { mutations: handlers });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('answers 403, writes nothing, and leaves the other scope owning the client', async () => {
    const clientId = 'client-upsert-race-01';
    const response = await t.push([{ id: 1, name: 'claim.elsewhere', args: {}, createdAt: 1 }], { clientId, token: 'scope-b' });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const clients = await db.query('SELECT scope, last_mutation_id FROM clients WHERE client_id = $1', [clientId]);
      expect(clients.rows).toEqual([{ scope: 'scope-other', last_mutation_id: '7' }]);
      expect((await db.query("SELECT count(*)::int AS n FROM records WHERE scope = 'scope-b'")).rows).toEqual([{ n: 0 }]);
      expect((await db.query('SELECT count(*)::int AS n FROM mutation_outcomes WHERE client_id = $1', [clientId])).rows).toEqual([{ n: 0 }]);
    } finally {
      await db.end();
    }
  });
});
