/**
 * `server.replayDeadLetter(id)`: run a dead letter's mutation through its handler again as a new
 * server-side write (server-mutation.ts: one transaction under the scope lock). The handler sees
 * `ctx.clientId === REPLAY_CLIENT_ID` and `ctx.replayOf` naming the original; `ctx.mutationId` is the
 * scope's replay number (a counter that rolls back with a failed replay), so `(clientId, mutationId)`
 * stays unique for handlers that derive idempotency keys from it. The original client's outcome stays
 * `rejected`: the replay's effects reach every client through pull, like any server-side change.
 */
import type { Kysely } from 'kysely';
import { InvalidArgumentError } from '../../core/errors.js';
import type { Logger } from '../../core/seams.js';
import type { ServerDatabase } from '../schema.js';
import { runServerMutation } from '../server-mutation.js';
import type { MutationHandler } from '../types.js';
import { markReplayed, parseDeadLetterId, readDeadLetter, recordReplayFailure } from './storage.js';
import type { DeadLetterReplay } from './types.js';

/** `ctx.clientId` of a replay: ':' never occurs in a real client id. */
export const REPLAY_CLIENT_ID = 'syncline:replay';
const REPLAY_COUNTER = 'syncline.replays';

export interface ReplayDeps {
  db: Kysely<ServerDatabase>;
  handlers: ReadonlyMap<string, MutationHandler>;
  logger: Logger;
  onCommitted?: (change: { scope: string; version: number }) => void;
  now(): number;
}

export async function replayDeadLetter(deps: ReplayDeps, id: string): Promise<DeadLetterReplay> {
  const key = parseDeadLetterId(id);
  if (key === undefined) throw new InvalidArgumentError(`"${id}" is not a dead-letter id; ids look like "<clientId>:<mutationId>" (see server.deadLetters()).`);
  const found = await readDeadLetter(deps.db, key.clientId, key.mutationId);
  if (found === undefined) throw new InvalidArgumentError(`There is no dead letter "${id}"; list them with server.deadLetters().`);

  const outcome = await runServerMutation(deps, {
    scope: found.scope,
    name: found.name,
    args: found.args,
    origin: REPLAY_CLIENT_ID,
    createdAt: found.createdAt,
    counter: REPLAY_COUNTER,
    replayOf: { clientId: found.clientId, mutationId: found.mutationId, deadLetterId: found.id },
    keepFailures: true,
    before: async (trx) => {
      // Under the lock: a concurrent replay of the same letter has either finished or not started.
      const letter = await readDeadLetter(trx, key.clientId, key.mutationId);
      if (letter?.status !== 'dead') {
        throw new InvalidArgumentError(`Dead letter "${id}" was already replayed (scope version ${letter?.replayVersion ?? '?'}); it is not run twice.`);
      }
    },
    after: async (trx, result) => {
      if (result.status === 'applied') await markReplayed(trx, key.clientId, key.mutationId, result.version, deps.now());
      else await recordReplayFailure(trx, key.clientId, key.mutationId, result.status === 'rejected' ? `${result.code}: ${result.message}` : result.message, deps.now());
    },
  });
  deps.logger.info('server: dead letter replayed', { id, status: outcome.status });
  if (outcome.status === 'applied') return { status: 'replayed', version: outcome.version, ...(outcome.result === undefined ? {} : { result: outcome.result }) };
  if (outcome.status === 'rejected') return { status: 'rejected', code: outcome.code, message: outcome.message };
  return { status: 'failed', message: outcome.message };
}
