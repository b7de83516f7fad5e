/**
 * `server.replayDeadLetter(id)`: run a dead letter's mutation through its handler again as a new
 * server-side write, in one transaction under the scope lock. The handler sees `ctx.clientId ===
 * REPLAY_CLIENT_ID` and `ctx.replayOf` naming the original; `ctx.mutationId` is the scope's replay
 * number (a counter that rolls back with a failed replay), so `(clientId, mutationId)` stays unique
 * for handlers that derive idempotency keys from it. The original client's outcome stays `rejected`:
 * the replay's effects reach every client through pull, like any server-side change.
 */
import type { ControlledTransaction, Kysely } from 'kysely';
import { InvalidArgumentError } from '../../core/errors.js';
import type { Logger } from '../../core/seams.js';
import { isMutationRejection } from '../mutation-rejection.js';
import { errorMessage, runHandler } from '../push-slice.js';
import type { ServerDatabase } from '../schema.js';
import { incrementCounter, lockScope, readScopeVersion } from '../storage.js';
import type { MutationHandler } from '../types.js';
import { markReplayed, parseDeadLetterId, readDeadLetter, recordReplayFailure } from './storage.js';
import type { DeadLetter, DeadLetterReplay } from './types.js';

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

  const trx = await deps.db.startTransaction().execute();
  let finished = false;
  try {
    const versionBefore = await lockScope(trx, found.scope);
    // Under the lock: a concurrent replay of the same letter has either finished or not started.
    const letter = await readDeadLetter(trx, key.clientId, key.mutationId);
    if (letter?.status !== 'dead') {
      throw new InvalidArgumentError(`Dead letter "${id}" was already replayed (scope version ${letter?.replayVersion ?? '?'}); it is not run twice.`);
    }
    const outcome = await runReplay(trx, deps, letter);
    finished = true;
    await trx.commit().execute();
    if (outcome.status === 'replayed' && outcome.version > versionBefore) deps.onCommitted?.({ scope: letter.scope, version: outcome.version });
    deps.logger.info('server: dead letter replayed', { id, status: outcome.status });
    return outcome;
  } catch (error) {
    if (!finished) await trx.rollback().execute().catch(() => {});
    throw error;
  }
}

async function runReplay(trx: ControlledTransaction<ServerDatabase>, deps: ReplayDeps, letter: DeadLetter): Promise<DeadLetterReplay> {
  const sp = await trx.savepoint('replay').execute();
  try {
    const replayNumber = await incrementCounter(sp, letter.scope, REPLAY_COUNTER);
    const identity = {
      scope: letter.scope,
      clientId: REPLAY_CLIENT_ID,
      mutationId: replayNumber,
      createdAt: letter.createdAt,
      replayOf: { clientId: letter.clientId, mutationId: letter.mutationId, deadLetterId: letter.id },
    };
    const result = await runHandler(sp, deps.handlers, identity, { id: letter.mutationId, name: letter.name, args: letter.args, createdAt: letter.createdAt });
    const version = await readScopeVersion(sp, letter.scope);
    await sp.releaseSavepoint('replay').execute();
    await markReplayed(trx, letter.clientId, letter.mutationId, version, deps.now());
    return { status: 'replayed', version, ...(result === undefined ? {} : { result }) };
  } catch (error) {
    await sp.rollbackToSavepoint('replay').execute();
    await sp.releaseSavepoint('replay').execute();
    const message = errorMessage(error);
    const rejected = isMutationRejection(error);
    await recordReplayFailure(trx, letter.clientId, letter.mutationId, rejected ? `${error.code}: ${message}` : message, deps.now());
    return rejected ? { status: 'rejected', code: error.code, message } : { status: 'failed', message };
  }
}
