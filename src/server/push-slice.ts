/**
 * One slice of a push request, in one transaction (group commit): the scope lock and the client row
 * are taken once, each new mutation runs inside its own savepoint (a rejection rolls back only its
 * own writes), and the outcomes and the client's new lastMutationId are written once, at the end.
 * A handler that fails unexpectedly ends the slice: its savepoint is rolled back, the slice commits
 * what came before it together with the failed attempt, and the caller answers 500. After
 * `maxHandlerAttempts` failed attempts the mutation is consumed as `rejected` / `handler-failed` and
 * kept as a dead letter instead, and the slice goes on.
 */
import type { ControlledTransaction, Kysely } from 'kysely';
import type { JsonValue } from '../protocol/json.js';
import type { Mutation, MutationOutcome } from '../protocol/wire.js';
import { recordRejectedConflict } from './conflicts/rejection.js';
import { insertDeadLetter } from './dead-letters/storage.js';
import { HttpError } from './http-errors.js';
import { createMutationContext, forgetAllocatedVersion, versionAllocatedIn, type MutationIdentity } from './mutation-context.js';
import { MutationRejection, isMutationRejection } from './mutation-rejection.js';
import type { PushDeps } from './push.js';
import type { ServerDatabase } from './schema.js';
import { isTransientDatabaseError } from './server-init.js';
import { asHandlerNetworkFailure } from './handler-failure.js';
import { runGenericWrites, runStorageFor, type RunStorage } from './generic-run.js';
import { saveSliceEnd } from './postgres-run-storage.js';
import { bindRawSqlite, type RawTransaction } from './sqlite-raw.js';
import { forgetOutcomes, lockScope, readClient, readOutcomes, saveClient, saveOutcomes } from './storage.js';
import type { FailingMutation } from './storage.js';
import type { MutationHandler } from './types.js';
import { recordChangeFeedOf } from './webhooks/record-changes.js';

type Trx = ControlledTransaction<ServerDatabase>;

/** The push's dependencies plus the client whose slice this is. */
interface SliceEnv extends PushDeps {
  clientId: string;
  /** Set when the slice's storage calls run on better-sqlite3 directly (src/server/sqlite-raw.ts). */
  raw: RawTransaction | undefined;
  /** Where runs of built-in generic writes keep their state, when they go set-based (src/server/generic-run.ts). */
  runs: RunStorage | undefined;
}

export interface SliceResult {
  /** Outcomes of the mutations this slice settled: a prefix of the ones it was given, in order. */
  outcomes: MutationOutcome[];
  lastMutationId: number;
  /** The mutation whose handler failed (not counted as settled); what came before it committed. */
  failure?: { mutation: Mutation; error: unknown };
}

type Attempt = { ok: true; outcome: MutationOutcome } | { ok: false; error: unknown };

/**
 * `settledThrough`: the request's; the slice that settles the request's last mutation (without a
 * failure) forgets the stored outcomes up to it, in its own transaction — not in one of their own,
 * which cost a second commit (and fsync) per request.
 */
export async function runSlice(pushDeps: PushDeps, scope: string, clientId: string, mutations: Mutation[], settledThrough?: number): Promise<SliceResult> {
  const trx = await pushDeps.db.startTransaction().execute();
  const raw = bindRawSqlite(trx, pushDeps.db);
  const runs = pushDeps.fault === undefined && pushDeps.path !== 'per-mutation' ? runStorageFor(trx, raw) : undefined;
  const deps: SliceEnv = { ...pushDeps, clientId, raw, runs };
  let finished = false;
  try {
    // The scope row lock is held to commit: it orders versions and serialises this client's pushes.
    const versionBefore = await lockScope(trx, scope);
    // Read under the scope lock: a concurrent request of the same client may have moved on.
    const client = await readClient(trx, clientId);
    assertClientScope(client?.scope, scope, clientId);
    const last = client?.lastMutationId ?? 0;
    const first = mutations[0];
    if (first !== undefined && first.id > last + 1) throw gapError(last);

    // Ids at or below `last` were consumed by an earlier request: answer them, do not run them.
    const resent = deps.fault === 'reapply-resends' ? [] : mutations.filter((m) => m.id <= last);
    const outcomes = await storedOutcomes(trx, clientId, resent);
    const run = await runNew(trx, deps, scope, versionBefore, client?.failing, mutations.slice(resent.length));
    const lastMutationId = Math.max(last, ...run.fresh.map((o) => o.id));
    const failing = run.failing ?? (client?.failing !== undefined && client.failing.mutationId > lastMutationId ? client.failing : null);
    const toSave = deps.fault === 'reapply-resends' ? run.fresh.filter((o) => o.id > last) : run.fresh;
    const saveClientRow = run.fresh.length > 0 || run.failing !== undefined;
    const endsRequest = run.failure === undefined && resent.length + run.fresh.length === mutations.length;
    // Outcomes are kept only for resends; the client says it will never resend these.
    const forgetThrough = endsRequest && settledThrough !== undefined ? Math.min(settledThrough, lastMutationId) : undefined;
    if (deps.runs !== undefined && raw === undefined) {
      // PostgreSQL: the same three writes as below, in one statement (one round trip under the scope lock).
      await saveSliceEnd(trx, { clientId, scope, outcomes: toSave, client: saveClientRow ? { lastMutationId, failing } : undefined, forgetThrough });
    } else {
      await saveOutcomes(trx, clientId, toSave);
      if (saveClientRow) await saveClient(trx, clientId, scope, lastMutationId, failing);
      if (forgetThrough !== undefined) await forgetOutcomes(trx, clientId, forgetThrough);
    }
    deps.raw?.flush();
    finished = true;
    await trx.commit().execute();

    const version = Math.max(0, ...run.fresh.map((o) => o.version));
    if (version > versionBefore) deps.onCommitted?.({ scope, version });
    outcomes.push(...run.fresh);
    if (deps.fault === 'out-of-order') outcomes.sort((a, b) => a.id - b.id);
    return { outcomes, lastMutationId, ...(run.failure === undefined ? {} : { failure: run.failure }) };
  } catch (error) {
    if (!finished) await trx.rollback().execute().catch(() => {});
    throw error;
  }
}

interface RunResult {
  fresh: MutationOutcome[];
  failure?: { mutation: Mutation; error: unknown };
  /** The failing-mutation state to store, when an attempt failed and counts. */
  failing?: FailingMutation;
}

/** Run new mutations in order until the slice is full, one fails, or they run out. */
async function runNew(trx: Trx, deps: SliceEnv, scope: string, versionBefore: number, failing: FailingMutation | undefined, mutations: Mutation[]): Promise<RunResult> {
  const started = performance.now();
  const fresh: MutationOutcome[] = [];
  // The scope's version as the slice goes, so no outcome needs the scope row read back.
  let version = versionBefore;
  // The broken variant (src/testing/broken-server.ts) applies a slice backwards.
  const queue = deps.fault === 'out-of-order' ? mutations.slice(0, deps.slice.maxMutations).reverse() : mutations;
  for (let next = 0; next < queue.length; ) {
    if (fresh.length >= deps.slice.maxMutations || (fresh.length > 0 && performance.now() - started >= deps.slice.maxMs)) break;
    if (deps.runs !== undefined) {
      const settled = await runGenericWrites(trx, deps.runs, { ...deps, scope }, version, queue.slice(next), deps.slice.maxMutations - fresh.length);
      const last = settled.at(-1);
      if (last !== undefined) {
        deps.onSetBasedRun?.(settled.length);
        fresh.push(...settled);
        version = last.version;
        next += settled.length;
        continue;
      }
    }
    const mutation = queue[next] as Mutation;
    next += 1;
    const attempt = await attemptMutation(trx, deps, scope, version, mutation);
    if (attempt.ok) {
      fresh.push(attempt.outcome);
      version = attempt.outcome.version;
      continue;
    }
    // A database that went away is not the handler's fault: the attempt does not count. (Unless the
    // database still answers: then the handler's own call failed, handler-failure.ts.)
    const error = isTransientFailure(attempt.error) ? await asHandlerNetworkFailure(attempt.error, trx, deps.raw) : attempt.error;
    if (error === undefined) return { fresh, failure: { mutation, error: attempt.error } };
    const attempts = (failing?.mutationId === mutation.id ? failing.attempts : 0) + 1;
    const since = failing?.mutationId === mutation.id ? failing.since : deps.now();
    if (attempts < deps.maxHandlerAttempts) {
      return { fresh, failure: { mutation, error }, failing: { mutationId: mutation.id, attempts, since } };
    }
    fresh.push(await giveUp(trx, deps, scope, version, mutation, error, attempts, since));
  }
  return { fresh };
}

/**
 * Run one new mutation inside a savepoint. A rejection rolls back to it, so its writes (and any
 * counter it took) vanish, while its outcome is still recorded with the slice.
 */
async function attemptMutation(trx: Trx, deps: SliceEnv, scope: string, versionBefore: number, mutation: Mutation): Promise<Attempt> {
  const sp = await openSavepoint(trx, deps.raw);
  const clientId = deps.clientId;
  try {
    const result = await runHandler(sp.executor, deps.handlers, { scope, clientId, mutationId: mutation.id, createdAt: mutation.createdAt, ...(deps.caller === undefined ? {} : { caller: deps.caller }), ...(deps.rules === undefined ? {} : { rules: deps.rules }) }, mutation);
    const version = versionAllocatedIn(sp.executor) ?? versionBefore;
    await sp.release();
    return { ok: true, outcome: { id: mutation.id, status: 'applied', version, ...(result === undefined ? {} : { result }) } };
  } catch (error) {
    // If even this fails the transaction is gone: the caller rolls the slice back and answers 500.
    await sp.rollback();
    if (!isMutationRejection(error)) return { ok: false, error };
    // Rolled back: the versions it took are handed back, so the scope is where it was before it.
    const version = versionBefore;
    // A server-wins conflict records its audit entry here, after the rollback, and reports it.
    const outcome: MutationOutcome = { id: mutation.id, status: 'rejected', version, code: error.code, message: error.message, ...(await recordRejectedConflict(trx, scope, error)) };
    deps.logger.info('push: mutation rejected', { scope, clientId, mutationId: mutation.id, name: mutation.name, code: error.code });
    return { ok: true, outcome };
  }
}

interface Savepoint {
  /** What the mutation's handler runs on. */
  executor: Kysely<ServerDatabase>;
  release(): Promise<void>;
  /** Roll back to the savepoint and release it. */
  rollback(): Promise<void>;
}

/**
 * A savepoint for one mutation. On raw SQLite it is two prepared statements on the slice's own
 * transaction (which then also serves as the handler's executor, its allocated version reset);
 * elsewhere a kysely savepoint, a transaction object of its own.
 */
async function openSavepoint(trx: Trx, raw: RawTransaction | undefined): Promise<Savepoint> {
  if (raw !== undefined) {
    raw.run('SAVEPOINT mutation');
    const snapshot = raw.snapshot();
    forgetAllocatedVersion(trx);
    return {
      executor: trx,
      release: async () => raw.run('RELEASE mutation'),
      rollback: async () => {
        raw.run('ROLLBACK TO mutation');
        raw.run('RELEASE mutation');
        raw.restore(snapshot);
      },
    };
  }
  const sp = await trx.savepoint('mutation').execute();
  return {
    executor: sp,
    release: async () => {
      await sp.releaseSavepoint('mutation').execute();
    },
    rollback: async () => {
      await sp.rollbackToSavepoint('mutation').execute();
      await sp.releaseSavepoint('mutation').execute();
    },
  };
}

/** The mutation failed `attempts` times: consume it as rejected and keep it as a dead letter. */
async function giveUp(trx: Trx, deps: SliceEnv, scope: string, version: number, mutation: Mutation, error: unknown, attempts: number, since: number): Promise<MutationOutcome> {
  const message = errorMessage(error);
  await insertDeadLetter(trx, { scope, clientId: deps.clientId, mutation, error: message, attempts, firstFailedAt: since, now: deps.now() });
  deps.observer?.deadLettered?.(scope);
  deps.logger.error('push: mutation dead-lettered after repeated handler failures', { scope, clientId: deps.clientId, mutationId: mutation.id, name: mutation.name, attempts, error: message });
  return { id: mutation.id, status: 'rejected', version, code: 'handler-failed', message };
}

export async function runHandler(trx: Kysely<ServerDatabase>, handlers: ReadonlyMap<string, MutationHandler>, identity: MutationIdentity, mutation: Mutation): Promise<JsonValue | undefined> {
  const handler = handlers.get(mutation.name);
  if (handler === undefined) {
    throw new MutationRejection('unknown-mutation', `This server has no mutation named "${mutation.name}".`);
  }
  return await handler(createMutationContext(trx, identity, recordChangeFeedOf(handlers)), mutation.args);
}

async function storedOutcomes(trx: Trx, clientId: string, resent: Mutation[]): Promise<MutationOutcome[]> {
  const first = resent[0];
  const lastResent = resent.at(-1);
  if (first === undefined || lastResent === undefined) return [];
  const stored = await readOutcomes(trx, clientId, first.id, lastResent.id);
  return resent.map((m) => {
    const outcome = stored.get(m.id);
    if (typeof outcome === 'object' && outcome !== null) return { ...(outcome as MutationOutcome), duplicate: true };
    // Only a client restored from an old backup resends what it declared settled. Its effect (if any)
    // is in the server state, which the client's next pull brings; the outcome itself is gone.
    return {
      id: m.id,
      status: 'rejected',
      version: 0,
      code: 'outcome-forgotten',
      message: `Mutation ${m.id} was processed long ago and its outcome was forgotten after the client declared it settled; its effect, if any, is in the server state.`,
      duplicate: true,
    };
  });
}

export function assertClientScope(clientScope: string | undefined, scope: string, clientId: string): void {
  if (clientScope === undefined || clientScope === scope) return;
  throw new HttpError(403, 'forbidden', `Client ${clientId} belongs to another scope; a client id cannot be reused across scopes. Create a new client id.`);
}

export function gapError(lastMutationId: number): HttpError {
  const expectedId = lastMutationId + 1;
  return new HttpError(409, 'mutation-gap', `Mutation ids must continue from ${lastMutationId}: the next mutation must have id ${expectedId}.`, {
    details: { expectedId, lastMutationId },
  });
}

/** PostgreSQL serialization failures and deadlocks (class 40) are transient too. */
function isTransientFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return isTransientDatabaseError(error) || (typeof code === 'string' && /^40...$/.test(code));
}

/** What a client and the dead-letter table may see of an error: its message, never its stack. */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message === '' ? 'The handler failed without a message.' : message).slice(0, 2000);
}
