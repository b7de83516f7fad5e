/**
 * A run of consecutive built-in generic writes (put/patch/delete/increment whose handler is the
 * server's own, src/server/record-mutations.ts) applied set-based inside a push slice: the run's
 * records are read at once, each mutation's outcome is computed in memory in order — with the same
 * rules as its handler (conflicts/detect, resolve, merge, record-origin, increment) — and everything
 * is written at the end. On PostgreSQL (postgres-run-storage.ts) that is one read and one write
 * statement per run, where the handler path costs about nine round trips per mutation (a savepoint,
 * reads and writes of the record, clock, digest and scope version, a release), each paid while the
 * scope lock is held. On SQLite (sqlite-run-storage.ts) statements cost no round trip; the run saves
 * the savepoint, the handler's context and the reads of state it already holds.
 *
 * Why no savepoints: a rejection is decided before its mutation writes anything (every `await` and
 * every throw below comes before the first write to the run state), so "a rejection rolls back only
 * its own writes" holds by construction. Anything else ends the run where it happened: a named
 * handler, a mutation name without a handler, an unexpected error (a throwing custom resolver). The
 * slice then runs that mutation through its handler as before (push-slice.ts), with a savepoint,
 * failure counting and dead letters; what the run settled before it is written first.
 */
import { PostgresAdapter, type Kysely } from 'kysely';
import type { Logger } from '../core/seams.js';
import type { JsonObject, JsonValue } from '../protocol/json.js';
import type { Mutation, MutationOutcome } from '../protocol/wire.js';
import { liveContribution } from './digest-storage.js';
import { advanceClock } from './conflicts/clock-storage.js';
import { detectConflict, type GenericWrite, type RecordState } from './conflicts/detect.js';
import { auditEntry, stampOf } from './conflicts/generic-write.js';
import { incrementedRecord, type IncrementWrite } from './conflicts/increment.js';
import { ConflictRejection, isConflictRejection, toReport } from './conflicts/rejection.js';
import { clientEffect, resolveConflict, type Resolution } from './conflicts/resolve.js';
import type { ConflictStrategy } from './conflicts/strategy.js';
import { isMutationRejection, type MutationRejection } from './mutation-rejection.js';
import type { RunState, RunTarget } from './generic-run-state.js';
import { flushPgRun, loadPgRun } from './postgres-run-storage.js';
import type { RawTransaction } from './sqlite-raw.js';
import { flushSqliteRun, loadSqliteRun } from './sqlite-run-storage.js';
import { originOfRow, verbatimOrigin, type RecordOrigin } from './record-origin.js';
import { recordOpSpecOf, type PreparedRecordOp } from './record-mutations.js';
import { toInt, type RecordRow, type ServerDatabase } from './schema.js';
import type { MutationHandler } from './types.js';
import { recordChangeFeedOf, type RecordChange } from './webhooks/record-changes.js';
import type { RecordChangeOp } from './webhooks/types.js';

type Db = Kysely<ServerDatabase>;

export interface GenericRunEnv {
  scope: string;
  clientId: string;
  handlers: ReadonlyMap<string, MutationHandler>;
  logger: Logger;
}

/** Who makes the write: what the handler's context would say. */
interface Writer {
  clientId: string;
  mutationId: number;
  createdAt: number;
  /** Collects the run's `record.changed` events when anyone subscribes (src/server/webhooks/record-changes.ts). */
  changes?: RecordChange[] | undefined;
}

type Planned = { mutation: Mutation; now: () => number } & ({ op: PreparedRecordOp } | { rejection: MutationRejection });

/** Where a run reads its state from and writes it back to: the backend's half of a set-based run. */
export interface RunStorage {
  load(scope: string, version: number, targets: ReadonlyArray<RunTarget>): Promise<RunState>;
  flush(state: RunState): Promise<void>;
}

/**
 * The run storage for a push transaction: raw SQLite when the slice is bound to better-sqlite3
 * (sqlite-raw.ts), PostgreSQL by its adapter; undefined on anything else (a caller's own Kysely on
 * another dialect), whose pushes then run every mutation through its handler.
 */
export function runStorageFor(trx: Db, raw: RawTransaction | undefined): RunStorage | undefined {
  if (raw !== undefined) {
    return { load: async (scope, version, targets) => loadSqliteRun(raw, scope, version, targets), flush: async (state) => flushSqliteRun(raw, state) };
  }
  if (trx.getExecutor().adapter instanceof PostgresAdapter) {
    return { load: async (scope, version, targets) => loadPgRun(trx, scope, version, targets), flush: async (state) => flushPgRun(trx, state) };
  }
  return undefined;
}

/**
 * Settle the longest prefix (at most `limit`) of `mutations` that are built-in generic writes, in
 * `trx` under the scope lock at `version`. Returns their outcomes, in order; none when the first
 * mutation is not one (the caller runs it through its handler).
 */
export async function runGenericWrites(trx: Db, storage: RunStorage, env: GenericRunEnv, version: number, mutations: Mutation[], limit: number): Promise<MutationOutcome[]> {
  const run = plan(env, mutations, limit);
  if (run.length === 0) return [];
  const targets = run.flatMap((p) => ('op' in p ? [{ collection: p.op.write.collection, key: p.op.write.key }] : []));
  const state = await storage.load(env.scope, version, targets);
  const feed = recordChangeFeedOf(env.handlers);
  const changes = feed !== undefined && (await feed.subscribers(trx)).length > 0 ? [] : undefined;
  const outcomes: MutationOutcome[] = [];
  for (const planned of run) {
    const outcome = await settle(state, env, planned, changes);
    if (outcome === undefined) break;
    outcomes.push(outcome);
  }
  await storage.flush(state);
  if (changes !== undefined) await feed?.emit(trx, changes);
  return outcomes;
}

/** The run's mutations, args validated (a validation rejection is the mutation's outcome, not a boundary). */
function plan(env: GenericRunEnv, mutations: Mutation[], limit: number): Planned[] {
  const run: Planned[] = [];
  for (const mutation of mutations) {
    if (run.length >= limit) break;
    const spec = recordOpSpecOf(env.handlers.get(mutation.name));
    if (spec === undefined) break;
    try {
      const op = spec.prepare(mutation.args);
      // Access rules are checked by the handler (src/server/rules.ts): such a write ends the run.
      if (spec.ruled(op.write.collection)) break;
      run.push({ mutation, now: spec.now, op });
    } catch (error) {
      if (!isMutationRejection(error)) break;
      run.push({ mutation, now: spec.now, rejection: error });
    }
  }
  return run;
}

/** One mutation's outcome, its effects applied to `state`; undefined ends the run before it. */
async function settle(state: RunState, env: GenericRunEnv, planned: Planned, changes: RecordChange[] | undefined): Promise<MutationOutcome | undefined> {
  const { mutation } = planned;
  const writer: Writer = { clientId: env.clientId, mutationId: mutation.id, createdAt: mutation.createdAt, changes };
  let rejection: MutationRejection;
  if ('op' in planned) {
    try {
      const result = planned.op.kind === 'increment'
        ? applyIncrement(state, writer, planned.op.write)
        : await applyWrite(state, writer, planned.op.write, planned.op.strategy, planned.now);
      return { id: mutation.id, status: 'applied', version: state.version, ...(result === undefined ? {} : { result }) };
    } catch (error) {
      if (!isMutationRejection(error)) return undefined;
      rejection = error;
    }
  } else {
    rejection = planned.rejection;
  }
  // A server-wins conflict keeps its audit entry although the write is refused (as recordRejectedConflict).
  const conflict = isConflictRejection(rejection) ? { conflict: toReport(state.appendConflict(rejection.entry), rejection.entry) } : {};
  env.logger.info('push: mutation rejected', { scope: env.scope, clientId: env.clientId, mutationId: mutation.id, name: mutation.name, code: rejection.code });
  return { id: mutation.id, status: 'rejected', version: state.version, code: rejection.code, message: rejection.message, ...conflict };
}

/** The record as the run sees it, in the shapes the conflict rules take. */
function current(state: RunState, collection: string, key: string): { record: RecordState; row: RecordRow | undefined; live: { version: number | undefined; hash: ReturnType<typeof liveContribution> } } {
  const { row, clock } = state.read(collection, key);
  const version = toInt(row?.version);
  const value = row === undefined || row.deleted !== 0 || row.value === null ? undefined : (JSON.parse(row.value) as JsonObject);
  return { record: { value, version, clock }, row, live: { version: value === undefined ? undefined : version, hash: liveContribution(row) } };
}

/** conflicts/generic-write.ts's runGenericWrite, on the run's state. */
async function applyWrite(state: RunState, writer: Writer, write: GenericWrite, strategy: ConflictStrategy, now: () => number): Promise<JsonValue | undefined> {
  const { record, row, live } = current(state, write.collection, write.key);
  const detection = detectConflict(write, record, writer.clientId);
  if (!detection.conflict) {
    const origin = verbatimOrigin(write, record, originOfRow(row), writer);
    const stamped = write.op === 'patch' ? Object.keys(write.fields) : 'record';
    applyResolution(state, writer, write, record, live, { kind: 'write', value: clientEffect(write, record.value), resolution: 'client', stamped }, origin);
    return undefined;
  }
  const resolution = await resolveConflict(strategy, write, record, detection.fields, writer.clientId);
  const entry = auditEntry({ strategy, now, ctx: writer }, write, record, detection.fields);
  if (resolution.kind === 'reject') throw new ConflictRejection({ ...entry, resolution: 'server', value: entry.serverValue, ...stampOf(record) });
  const after = applyResolution(state, writer, write, record, live, resolution);
  const final = { ...entry, resolution: resolution.resolution, value: after.value ?? null, ...(after.hlc === undefined ? {} : { hlc: after.hlc }) };
  const seq = state.appendConflict(final);
  return { conflict: toReport(seq, final) as unknown as JsonValue };
}

function applyResolution(
  state: RunState,
  writer: Writer,
  write: GenericWrite,
  record: RecordState,
  live: { version: number | undefined; hash: ReturnType<typeof liveContribution> },
  resolution: Resolution,
  origin?: RecordOrigin,
): { value: JsonObject | undefined; hlc: string | undefined } {
  if (resolution.kind !== 'write') return { value: record.value, hlc: record.clock.hlc };
  const version = state.writeRecord(write.collection, write.key, resolution.value ?? null, live, origin);
  // Deleting a record that is not there writes nothing (no version, no tombstone), so no clock either.
  if (version === undefined) return { value: undefined, hlc: record.clock.hlc };
  noteChange(state, writer, write.collection, write.key, version, resolution.value ?? null, write.op);
  const clock = advanceClock(record.clock, write.hlc, resolution.stamped);
  state.writeClock(write.collection, write.key, { version, writer: writer.clientId, ...clock });
  return { value: resolution.value, hlc: clock.hlc };
}

/** conflicts/increment.ts's runIncrement, on the run's state: never a conflict, the record comes back in full. */
function applyIncrement(state: RunState, writer: Writer, write: IncrementWrite): { value: number } {
  const { record, live } = current(state, write.collection, write.key);
  const { value, next } = incrementedRecord(record.value, write);
  const written = state.writeRecord(write.collection, write.key, value, live);
  if (written !== undefined) {
    noteChange(state, writer, write.collection, write.key, written, value, 'increment');
    const clock = advanceClock(record.clock, write.hlc, [write.field]);
    state.writeClock(write.collection, write.key, { version: written, writer: writer.clientId, ...clock });
  }
  return { value: next };
}

function noteChange(state: RunState, writer: Writer, collection: string, key: string, version: number, value: JsonObject | null, op: RecordChangeOp): void {
  writer.changes?.push({ scope: state.scope, collection, key, version, op, value, writer: { clientId: writer.clientId, mutationId: writer.mutationId } });
}
