/**
 * The first pushes of one new client id racing into two scopes: both requests find no client row and
 * hold different scope locks, so on PostgreSQL the loser meets a unique key. It must get the 403 a
 * later push into the wrong scope gets, never a retryable 500 — and the winner's mutations stand.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePostgres } from '../helpers/postgres.js';
import { putNote, writableNotes } from '../server/helpers.js';
import type { TestServer } from '../server/helpers.js';
import { serverOn } from './harness.js';

describePostgres('a new client id racing into two scopes [postgres]', (pg) => {
  let t: TestServer;
  beforeAll(async () => {
    t = serverOn(await pg.createDatabase(), { collections: writableNotes });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('answers the loser 403 forbidden, not 500', async () => {
    const statuses: number[] = [];
    for (let run = 0; run < 40; run += 1) {
      const clientId = `client-claim-${String(run).padStart(4, '0')}`;
      const [a, b] = await Promise.all([
        t.push([putNote(1, 'x'), putNote(2, 'y')], { clientId, token: `scope-a-${run}` }),
        t.push([putNote(1, 'x'), putNote(2, 'y')], { clientId, token: `scope-b-${run}` }),
      ]);
      const pair = [a.status, b.status].sort();
      statuses.push(...pair);
      // Exactly one scope owns the client: one 200, one 403 with the protocol's error body.
      expect(pair).toEqual([200, 403]);
      const loser = a.status === 403 ? a : b;
      expect(((await loser.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    }
    expect(statuses.filter((s) => s === 403)).toHaveLength(40);
  });
});
