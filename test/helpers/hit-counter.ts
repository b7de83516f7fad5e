// A server mutation that counts, in the server's own database, how often it was applied per id: a
// mutation applied twice shows n = 2. Tests of exactly-once delivery read the `hits` collection.
import type { JsonObject } from '../../src/protocol/json.js';
import type { MutationHandler } from '../../src/server/types.js';

export const hitCounter: Record<string, MutationHandler> = {
  'hits.add': async (ctx, args) => {
    const id = String((args as JsonObject)['id']);
    const current = await ctx.get('hits', id);
    await ctx.put('hits', id, { n: (typeof current?.['n'] === 'number' ? current['n'] : 0) + 1 });
    return null;
  },
};
