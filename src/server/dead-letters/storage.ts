/** Data access for dead letters, in portable kysely; every function takes the executor to run on. */
import type { Kysely, Selectable } from 'kysely';
import type { JsonValue } from '../../protocol/json.js';
import type { Mutation } from '../../protocol/wire.js';
import { toInt } from '../schema.js';
import type { ServerDatabase } from '../schema.js';
import type { DeadLettersTable } from './schema.js';
import type { DeadLetter, DeadLetterQuery } from './types.js';

type Db = Kysely<ServerDatabase>;

const DEFAULT_LIMIT = 100;

export function deadLetterId(clientId: string, mutationId: number): string {
  return `${clientId}:${mutationId}`;
}

/** `"<clientId>:<mutationId>"` back into its parts, or undefined when it is not one. */
export function parseDeadLetterId(id: string): { clientId: string; mutationId: number } | undefined {
  const at = id.lastIndexOf(':');
  const mutationId = Number(id.slice(at + 1));
  if (at < 1 || !Number.isSafeInteger(mutationId) || mutationId < 1) return undefined;
  return { clientId: id.slice(0, at), mutationId };
}

export async function insertDeadLetter(
  db: Db,
  entry: { scope: string; clientId: string; mutation: Mutation; error: string; attempts: number; firstFailedAt: number; now: number },
): Promise<void> {
  await db
    .insertInto('dead_letters')
    .values({
      client_id: entry.clientId,
      mutation_id: entry.mutation.id,
      scope: entry.scope,
      name: entry.mutation.name,
      args: JSON.stringify(entry.mutation.args),
      created_at: entry.mutation.createdAt,
      error: entry.error,
      attempts: entry.attempts,
      first_failed_at: entry.firstFailedAt,
      dead_lettered_at: entry.now,
      status: 'dead',
    })
    .execute();
}

export async function listDeadLetters(db: Db, query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
  let select = db.selectFrom('dead_letters').selectAll();
  if (query.scope !== undefined) select = select.where('scope', '=', query.scope);
  const status = query.status ?? 'dead';
  if (status !== 'all') select = select.where('status', '=', status);
  const rows = await select.orderBy('dead_lettered_at').orderBy('client_id').orderBy('mutation_id').limit(query.limit ?? DEFAULT_LIMIT).execute();
  return rows.map(toDeadLetter);
}

export async function readDeadLetter(db: Db, clientId: string, mutationId: number): Promise<DeadLetter | undefined> {
  const row = await db.selectFrom('dead_letters').selectAll().where('client_id', '=', clientId).where('mutation_id', '=', mutationId).executeTakeFirst();
  return row === undefined ? undefined : toDeadLetter(row);
}

export async function markReplayed(db: Db, clientId: string, mutationId: number, version: number, now: number): Promise<void> {
  await db
    .updateTable('dead_letters')
    .set({ status: 'replayed', replayed_at: now, replay_version: version })
    .where('client_id', '=', clientId)
    .where('mutation_id', '=', mutationId)
    .execute();
}

export async function recordReplayFailure(db: Db, clientId: string, mutationId: number, message: string, now: number): Promise<void> {
  await db
    .updateTable('dead_letters')
    .set({ replay_error: message, replay_error_at: now })
    .where('client_id', '=', clientId)
    .where('mutation_id', '=', mutationId)
    .execute();
}

function toDeadLetter(row: Selectable<DeadLettersTable>): DeadLetter {
  const clientId = row.client_id;
  const mutationId = toInt(row.mutation_id);
  return {
    id: deadLetterId(clientId, mutationId),
    scope: row.scope,
    clientId,
    mutationId,
    name: row.name,
    args: JSON.parse(row.args) as JsonValue,
    createdAt: toInt(row.created_at),
    error: row.error,
    attempts: toInt(row.attempts),
    firstFailedAt: toInt(row.first_failed_at),
    deadLetteredAt: toInt(row.dead_lettered_at),
    status: row.status === 'replayed' ? 'replayed' : 'dead',
    ...(row.replayed_at === null ? {} : { replayedAt: toInt(row.replayed_at) }),
    ...(row.replay_version === null ? {} : { replayVersion: toInt(row.replay_version) }),
    ...(row.replay_error === null ? {} : { lastReplayError: { at: toInt(row.replay_error_at), message: row.replay_error } }),
  };
}
