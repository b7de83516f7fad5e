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
  /** The write-back of fiscal.register: args { effectId, payload: { n }, result: { ref } }. */
  'receipt.fiscalised': async (ctx, args) => {
    const a = args as { payload: { n: number }; result: { ref: string } | null };
    const receipt = await ctx.get('receipts', `r${a.payload.n}`);
    if (receipt === undefined) throw new MutationRejection('no-receipt', `receipt r${a.payload.n} is gone`);
    await ctx.put('receipts', `r${a.payload.n}`, { ...receipt, fiscalStatus: 'registered', fiscalId: a.result?.ref ?? null });
    return undefined;
  },
  appLogCount: async (ctx) => {
    const db = ctx.transaction<AppDb>();
    await sql`create table if not exists app_log (n integer not null)`.execute(db);
    const row = await db.selectFrom('app_log').select((eb) => eb.fn.countAll<number | string>().as('c')).executeTakeFirstOrThrow();
    return Number(row.c);
  },
};
