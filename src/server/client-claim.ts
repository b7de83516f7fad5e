/**
 * A client id belongs to the scope of its first push. Two first pushes of one new client id into two
 * scopes hold two different scope locks, so both see "no such client" and both insert its rows; on
 * PostgreSQL the loser then fails on a unique key. That is not a server failure but the 403 the
 * loser would have got a moment later: this maps it so. Where the loser's client row upsert meets the
 * winner's committed row instead, it updates nothing (its ON CONFLICT matches the scope) and throws
 * ClientClaimedError, mapped the same way.
 */
import type { Kysely } from 'kysely';
import type { ServerDatabase } from './schema.js';
import { ClientClaimedError, readClient } from './storage.js';
import { assertClientScope } from './push-slice.js';

/** PostgreSQL unique_violation; better-sqlite3's constraint codes for the same. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** After a failed slice: throws 403 when the failure was losing the claim race for `clientId`. */
export async function assertNotClaimedElsewhere(db: Kysely<ServerDatabase>, clientId: string, scope: string, error: unknown): Promise<void> {
  if (!isUniqueViolation(error) && !(error instanceof ClientClaimedError)) return;
  const client = await readClient(db, clientId).catch(() => undefined);
  assertClientScope(client?.scope, scope, clientId);
}
