// A test domain whose effects make exactly-once and order observable: every applied `log.append`
// writes a new record numbered by a server counter, so a double apply leaves two records and an
// out-of-order apply leaves seqs out of counter order.
import { MutationRejection, type MutationHandler } from '../../src/server.js';
import { isJsonObject, type JsonValue } from '../../src/protocol/json.js';

export const logHandlers: Record<string, MutationHandler> = {
  'log.append': async (ctx, args: JsonValue) => {
    const seq = isJsonObject(args) ? args['seq'] : undefined;
    if (typeof seq !== 'number') throw new MutationRejection('invalid-args', 'log.append needs a numeric seq');
    const order = await ctx.nextCounter('log');
    await ctx.put('log', `e${String(order).padStart(8, '0')}`, { clientId: ctx.clientId, seq, order, mutationId: ctx.mutationId });
    return { order };
  },
  'log.reject': () => {
    throw new MutationRejection('refused', 'this mutation is always refused');
  },
};
