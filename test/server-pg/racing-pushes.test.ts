/**
 * Exactly-once under concurrency, on PostgreSQL: every push request is sent twice at once (a retry
 * racing its original), overlapping with other requests of the same client. Each mutation must take
 * effect once, in id order, and every racing request must get a clean answer (200, or 409 for a gap).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PushResponse } from '../../src/protocol/wire.js';
import type { MutationHandler } from '../../src/server.js';
import { describePostgres } from '../helpers/postgres.js';
import { mutation } from '../server/helpers.js';
import type { TestServer } from '../server/helpers.js';
import { serverOn } from './harness.js';

/** Each application takes the next counter value and logs it: a double or out-of-order apply shows in the log. */
const handlers: Record<string, MutationHandler> = {
  append: async (ctx) => {
    const n = await ctx.nextCounter('applied');
    await ctx.put('log', String(n).padStart(6, '0'), { mutationId: ctx.mutationId });
    return n;
  },
};

const racePlan = fc.integer({ min: 3, max: 12 }).chain((count) =>
  fc.record({
    count: fc.constant(count),
    requests: fc.array(fc.record({ start: fc.integer({ min: 1, max: count }), length: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 6 }),
  }),
);

describePostgres('racing duplicate pushes [postgres]', (pg) => {
  let t: TestServer;
  let run = 0;
  beforeAll(async () => {
    t = serverOn(await pg.createDatabase(), { mutations: handlers });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('applies every mutation exactly once, in order, whatever races', async () => {
    await fc.assert(
      fc.asyncProperty(racePlan, async ({ count, requests }) => {
        run += 1;
        const target = { clientId: `client-race-${run}`, token: `race-${run}` };
        const batch = (start: number, length: number) =>
          Array.from({ length: Math.min(length, count - start + 1) }, (_, i) => mutation(start + i, 'append', null));
        // The first batch always starts at 1, so something can apply before the gaps settle.
        const sends = [{ start: 1, length: 3 }, ...requests].flatMap(({ start, length }) => [batch(start, length), batch(start, length)]);
        const answers = await Promise.all(sends.map((mutations) => t.push(mutations, target)));
        const responses: PushResponse[] = [];
        for (const answer of answers) {
          if (answer.status === 409) expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('mutation-gap');
          else {
            expect(answer.status).toBe(200);
            responses.push((await answer.json()) as PushResponse);
          }
        }
        responses.push(await t.pushOk(batch(1, count), target));

        const outcomes = responses.flatMap((r) => r.outcomes);
        for (let id = 1; id <= count; id += 1) {
          const forId = outcomes.filter((o) => o.id === id);
          expect(forId.filter((o) => o.duplicate !== true), `mutation ${id} applied once`).toHaveLength(1);
          // Applied in id order: the nth application is mutation n, in every (replayed) outcome.
          for (const outcome of forId) expect(outcome).toMatchObject({ status: 'applied', result: id });
        }
        const log = await t.pull(0, 1000, target);
        expect(log.changes.map((c) => ('value' in c ? c.value.mutationId : null))).toEqual(Array.from({ length: count }, (_, i) => i + 1));
        expect(log.lastMutationId).toBe(count);
      }),
      { seed: 4_242, numRuns: 15 },
    );
  });
});
