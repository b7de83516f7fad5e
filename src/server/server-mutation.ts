/**
 * One runner for every write the server makes itself (not pushed by a client): `server.mutate`,
 * incoming webhooks, dead-letter replays. A named handler runs in one transaction under the scope
 * lock, like a pushed mutation: it takes scope versions and keeps the digests through the same
 * mutation context, and after the commit `onCommitted` pokes this instance's clients and the fanout.
 *
 * The handler runs in a savepoint, so a rejection (or, with `keepFailures`, any failure) undoes only
 * the handler's writes and the caller's `before`/`after` bookkeeping still commits with the outcome.
 */
import type { ControlledTransaction, Kysely } from 'kysely';
import { InvalidArgumentError } from '../core/errors.js';
import type { Logger } from '../core/seams.js';
import type { JsonValue } from '../protocol/json.js';
import { isMutationRejection } from './mutation-rejection.js';
import { errorMessage, runHandler } from './push-slice.js';
import type { ServerDatabase } from './schema.js';
import { incrementCounter, lockScope, readScopeVersion } from './storage.js';
import type { MutationHandler } from './types.js';
import type { MutationIdentity } from './mutation-context.js';

/** `ctx.clientId` of `server.mutate`: ':' never occurs in a real client id. */
export const SERVER_CLIENT_ID = 'syncline:server';

export interface ServerMutationDeps {
  db: Kysely<ServerDatabase>;
  handlers: ReadonlyMap<string, MutationHandler>;
  logger: Logger;
  onCommitted?: (change: { scope: string; version: number }) => void;
}

export interface ServerMutationRequest {
  scope: string;
  /** The handler's name, as in `mutations` (or a record mutation: 'put', 'delete', …). */
  name: string;
  args: JsonValue;
  /** `ctx.clientId` the handler sees: a reserved id with ':' (`syncline:server`, `syncline:webhook`, …). */
  origin: string;
  /** `ctx.createdAt`; defaults to now. */
  createdAt?: number;
  /** The per-scope counter whose next value is `ctx.mutationId`; defaults to `syncline.origin.<origin>`. */
  counter?: string;
  /** Extra identity fields for the handler's context (a replay's `replayOf`). */
  replayOf?: MutationIdentity['replayOf'];
  /** Runs first, in the transaction, under the scope lock (a duplicate check); throwing aborts everything. */
  before?: (trx: Kysely<ServerDatabase>) => Promise<void>;
  /** Runs after the handler (or its undone savepoint), in the same transaction, with the outcome. */
  after?: (trx: Kysely<ServerDatabase>, outcome: ServerMutationOutcome) => Promise<void>;
  /** Commit a non-rejection failure as an outcome (replays record it) instead of rolling back and throwing. */
  keepFailures?: boolean;
}

export type ServerMutationOutcome =
  | { status: 'applied'; version: number; mutationId: number; result?: JsonValue }
  | { status: 'rejected'; version: number; code: string; message: string }
  | { status: 'failed'; version: number; message: string };

export function assertServerOrigin(origin: string): void {
  if (!origin.includes(':')) throw new InvalidArgumentError(`A server-side write's origin must contain ':' so it can never be a real client id (e.g. "syncline:server"), got "${origin}".`);
}

export async function runServerMutation(deps: ServerMutationDeps, request: ServerMutationRequest): Promise<ServerMutationOutcome> {
  assertServerOrigin(request.origin);
  const trx = await deps.db.startTransaction().execute();
  let finished = false;
  try {
    const versionBefore = await lockScope(trx, request.scope);
    await request.before?.(trx);
    const { outcome: settled, error } = await runInSavepoint(trx, deps, request);
    if (settled.status === 'failed' && request.keepFailures !== true) throw error;
    await request.after?.(trx, settled);
    finished = true;
    await trx.commit().execute();
    if (settled.status === 'applied' && settled.version > versionBefore) deps.onCommitted?.({ scope: request.scope, version: settled.version });
    deps.logger.info('server: server-side mutation', { scope: request.scope, name: request.name, origin: request.origin, status: settled.status });
    return settled;
  } catch (error) {
    if (!finished) await trx.rollback().execute().catch(() => {});
    throw error;
  }
}

async function runInSavepoint(
  trx: ControlledTransaction<ServerDatabase>,
  deps: ServerMutationDeps,
  request: ServerMutationRequest,
): Promise<{ outcome: ServerMutationOutcome; error?: unknown }> {
  const sp = await trx.savepoint('server_mutation').execute();
  try {
    const mutationId = await incrementCounter(sp, request.scope, request.counter ?? `syncline.origin.${request.origin}`);
    const createdAt = request.createdAt ?? Date.now();
    const identity: MutationIdentity = {
      scope: request.scope,
      clientId: request.origin,
      mutationId,
      createdAt,
      ...(request.replayOf === undefined ? {} : { replayOf: request.replayOf }),
    };
    const result = await runHandler(sp, deps.handlers, identity, { id: mutationId, name: request.name, args: request.args, createdAt });
    const version = await readScopeVersion(sp, request.scope);
    await sp.releaseSavepoint('server_mutation').execute();
    return { outcome: { status: 'applied', version, mutationId, ...(result === undefined ? {} : { result }) } };
  } catch (error) {
    // The counter rolls back too: a failed write takes no number.
    await sp.rollbackToSavepoint('server_mutation').execute();
    await sp.releaseSavepoint('server_mutation').execute();
    const version = await readScopeVersion(trx, request.scope);
    if (isMutationRejection(error)) return { outcome: { status: 'rejected', version, code: error.code, message: errorMessage(error) } };
    return { outcome: { status: 'failed', version, message: errorMessage(error) }, error };
  }
}
