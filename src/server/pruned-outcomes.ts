/**
 * How far a client's stored outcomes were pruned (push `settledThrough`, src/server/push.ts). Pull's
 * `lastMutationId` is read from the outcomes at or below the cursor; once the settled ones are deleted
 * that read alone would fall back (to 0 when all are gone), contrary to its definition. Every pruned
 * id is settled on the client — gone from its outbox for good — so counting it as covered at any
 * cursor drops nothing the client still holds, and keeps `lastMutationId` from going backwards.
 */
import type { Kysely } from 'kysely';
import type { ServerDatabase } from './schema.js';
import { toInt } from './schema.js';

/** Highest id whose outcome was pruned: just below the oldest stored one, or `lastMutationId` when none is left. */
export async function prunedOutcomesThrough(db: Kysely<ServerDatabase>, clientId: string, lastMutationId: number): Promise<number> {
  const row = await db
    .selectFrom('mutation_outcomes')
    .select((eb) => eb.fn.min('mutation_id').as('oldest'))
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  const oldest = row?.oldest;
  if (oldest === null || oldest === undefined) return lastMutationId;
  return Math.min(lastMutationId, toInt(oldest) - 1);
}
