/** A tiny fiscal domain for effect tests: `sell` writes a receipt, a row of the app's own table, and enqueues its registration. */
import { sql } from 'kysely';
import { MutationRejection } from '../../src/server.js';
import type { MutationHandler } from '../../src/server.js';
import { isJsonObject } from '../../src/protocol/json.js';

interface AppDb {
  app_log: { n: number };
}

export const fiscalHandlers: Record<string, MutationHandler> = {
  sell: async (ctx, args) => {
    if (!isJsonObject(args) || typeof args['n'] !== 'number') throw new MutationRejection('bad-args', 'sell wants { n }');
    const n = args['n'];
    await ctx.put('receipts', `r${n}`, { n, fiscalStatus: 'pending' });
    const db = ctx.transaction<AppDb>();
    await sql`create table if not exists app_log (n integer not null)`.execute(db);
    await db.insertInto('app_log').values({ n }).execute();
    const key = typeof args['key'] === 'string' ? args['key'] : undefined;
    const id = await ctx.enqueue('fiscal.register', { n }, key === undefined ? {} : { key });
    // Refused after enqueuing: the effect (and the app row) must vanish with the mutation.
    if (args['refuse'] === true) throw new MutationRejection('refused', 'refused after enqueue');
    return { effectId: id };
  },
  appLogCount: async (ctx) => {
    const db = ctx.transaction<AppDb>();
    await sql`create table if not exists app_log (n integer not null)`.execute(db);
    const row = await db.selectFrom('app_log').select((eb) => eb.fn.countAll<number | string>().as('c')).executeTakeFirstOrThrow();
    return Number(row.c);
  },
};
