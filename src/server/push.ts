/**
 * POST /v1/push. The batch is checked for gaps up front (nothing applied on a gap); then each mutation
 * runs in its own transaction that also stores its outcome and the client's new lastMutationId, so a
 * crash or a failing handler never loses what earlier mutations committed, and a resend is skipped.
 */
import type { ControlledTransaction, Kysely } from 'kysely';
import type { JsonValue } from '../protocol/json.js';
import type { Logger } from '../core/seams.js';
import type { Mutation, MutationOutcome, PushRequest, PushResponse } from '../protocol/wire.js';
import { PROTOCOL_VERSION } from '../protocol/wire.js';
import { HttpError, internalError, invalidRequest } from './http-errors.js';
import { recordRejectedConflict } from './conflicts/rejection.js';
import { createMutationContext } from './mutation-context.js';
import { MutationRejection, isMutationRejection } from './mutation-rejection.js';
import type { ServerDatabase } from './schema.js';
import { forgetOutcomes, lockScope, readClient, readOutcome, readScopeVersion, saveClient, saveOutcome } from './storage.js';
import type { MutationHandler } from './types.js';

export interface PushDeps {
  db: Kysely<ServerDatabase>;
  handlers: ReadonlyMap<string, MutationHandler>;
  logger: Logger;
  /** Called after a commit that moved the scope's version (not for duplicates or rejections). */
  onCommitted?: (change: { scope: string; version: number }) => void;
}

export async function handlePush(deps: PushDeps, scope: string, request: PushRequest): Promise<PushResponse> {
  assertConsecutive(request.mutations);
  const client = await readClient(deps.db, request.clientId);
  assertClientScope(client?.scope, scope, request.clientId);
  const last = client?.lastMutationId ?? 0;
  const first = request.mutations[0];
  if (first !== undefined && first.id > last + 1) throw gapError(last);

  const outcomes: MutationOutcome[] = [];
  for (const mutation of request.mutations) {
    try {
      outcomes.push(await applyInTransaction(deps, scope, request.clientId, mutation));
    } catch (error) {
      if (error instanceof HttpError) throw error;
      deps.logger.error('push: mutation failed', { scope, clientId: request.clientId, mutationId: mutation.id, name: mutation.name, error: String(error) });
      // Earlier outcomes are committed; the client resends and gets them back as duplicates.
      throw internalError(error, { failedMutationId: mutation.id, committedThrough: mutation.id - 1 });
    }
  }
  const lastMutationId = Math.max(last, outcomes.at(-1)?.id ?? 0);
  if (request.settledThrough !== undefined) {
    // Outcomes are kept only for resends; the client says it will never resend these.
    await forgetOutcomes(deps.db, request.clientId, Math.min(request.settledThrough, lastMutationId));
  }
  return { v: PROTOCOL_VERSION, lastMutationId, outcomes };
}

function assertConsecutive(mutations: Mutation[]): void {
  mutations.forEach((m, i) => {
    const previous = mutations[i - 1];
    if (previous !== undefined && m.id !== previous.id + 1) {
      throw invalidRequest(`mutations.${i}.id: expected ${previous.id + 1} (ids in a batch must be consecutive), got ${m.id}.`);
    }
  });
}

function assertClientScope(clientScope: string | undefined, scope: string, clientId: string): void {
  if (clientScope === undefined || clientScope === scope) return;
  throw new HttpError(403, 'forbidden', `Client ${clientId} belongs to another scope; a client id cannot be reused across scopes. Create a new client id.`);
}

function gapError(lastMutationId: number): HttpError {
  const expectedId = lastMutationId + 1;
  return new HttpError(409, 'mutation-gap', `Mutation ids must continue from ${lastMutationId}: the next mutation must have id ${expectedId}.`, {
    details: { expectedId, lastMutationId },
  });
}

async function applyInTransaction(deps: PushDeps, scope: string, clientId: string, mutation: Mutation): Promise<MutationOutcome> {
  const trx = await deps.db.startTransaction().execute();
  try {
    // The scope row lock is held to commit: it orders versions and serialises this client's pushes.
    const versionBefore = await lockScope(trx, scope);
    // Re-read under the scope lock: a concurrent request of the same client may have moved on.
    const client = await readClient(trx, clientId);
    assertClientScope(client?.scope, scope, clientId);
    const last = client?.lastMutationId ?? 0;
    if (mutation.id > last + 1) throw gapError(last);
    const outcome = mutation.id <= last
      ? await storedOutcome(trx, clientId, mutation.id)
      : await applyMutation(trx, deps, scope, clientId, mutation);
    await trx.commit().execute();
    if (outcome.version > versionBefore && outcome.duplicate !== true) deps.onCommitted?.({ scope, version: outcome.version });
    return outcome;
  } catch (error) {
    await trx.rollback().execute();
    throw error;
  }
}

async function storedOutcome(db: Kysely<ServerDatabase>, clientId: string, mutationId: number): Promise<MutationOutcome> {
  const stored = await readOutcome(db, clientId, mutationId);
  if (typeof stored !== 'object' || stored === null) {
    // Only a client restored from an old backup resends what it declared settled. Its effect (if any)
    // is in the server state, which the client's next pull brings; the outcome itself is gone.
    return {
      id: mutationId,
      status: 'rejected',
      version: 0,
      code: 'outcome-forgotten',
      message: `Mutation ${mutationId} was processed long ago and its outcome was forgotten after the client declared it settled; its effect, if any, is in the server state.`,
      duplicate: true,
    };
  }
  return { ...(stored as MutationOutcome), duplicate: true };
}

/**
 * Run one new mutation. A rejection rolls back to the savepoint, so its writes (and any counter it
 * took) vanish, while its outcome and the consumed id are still recorded in the same transaction.
 */
async function applyMutation(
  trx: ControlledTransaction<ServerDatabase>,
  deps: PushDeps,
  scope: string,
  clientId: string,
  mutation: Mutation,
): Promise<MutationOutcome> {
  const sp = await trx.savepoint('mutation').execute();
  let outcome: MutationOutcome;
  try {
    const result = await runHandler(sp, deps, scope, clientId, mutation);
    const version = await readScopeVersion(sp, scope);
    outcome = { id: mutation.id, status: 'applied', version, ...(result === undefined ? {} : { result }) };
  } catch (error) {
    if (!isMutationRejection(error)) throw error;
    await sp.rollbackToSavepoint('mutation').execute();
    const version = await readScopeVersion(sp, scope);
    // A server-wins conflict records its audit entry here, after the rollback, and reports it.
    outcome = { id: mutation.id, status: 'rejected', version, code: error.code, message: error.message, ...(await recordRejectedConflict(sp, scope, error)) };
    deps.logger.info('push: mutation rejected', { scope, clientId, mutationId: mutation.id, name: mutation.name, code: error.code });
  }
  await saveOutcome(sp, clientId, mutation.id, outcome.version, outcome);
  await saveClient(sp, clientId, scope, mutation.id);
  return outcome;
}

async function runHandler(
  trx: Kysely<ServerDatabase>,
  deps: PushDeps,
  scope: string,
  clientId: string,
  mutation: Mutation,
): Promise<JsonValue | undefined> {
  const handler = deps.handlers.get(mutation.name);
  if (handler === undefined) {
    throw new MutationRejection('unknown-mutation', `This server has no mutation named "${mutation.name}".`);
  }
  const ctx = createMutationContext(trx, { scope, clientId, mutationId: mutation.id, createdAt: mutation.createdAt });
  return await handler(ctx, mutation.args);
}
