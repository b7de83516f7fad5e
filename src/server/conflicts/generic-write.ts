/**
 * One generic write (put/patch/delete) inside its mutation transaction: read the record and its clock,
 * detect a conflict, resolve it by the collection's strategy, write, advance the clock, audit.
 */
import type { Kysely } from 'kysely';
import type { JsonObject, JsonValue } from '../../protocol/json.js';
import type { ConflictRecord } from '../../protocol/wire.js';
import { writeKnownRecord } from '../mutation-context.js';
import { liveContribution } from '../digest-storage.js';
import type { RecordHash } from '../../protocol/digest.js';
import { originOfRow, verbatimOrigin, type RecordOrigin } from '../record-origin.js';
import { toInt, type ServerDatabase } from '../schema.js';
import type { MutationContext } from '../types.js';
import { appendConflict } from './audit-storage.js';
import { advanceClock, readRecordAndClock, writeRecordClock } from './clock-storage.js';
import { detectConflict, type GenericWrite, type RecordState } from './detect.js';
import { ConflictRejection, toReport } from './rejection.js';
import { clientEffect, resolveConflict, type Resolution } from './resolve.js';
import { strategyName, type ConflictStrategy } from './strategy.js';
import { assertReadable, assertWrite } from '../rules.js';
import type { CollectionConformance } from '../collection-schema.js';

export interface WriteEnv {
  trx: Kysely<ServerDatabase>;
  ctx: MutationContext;
  strategy: ConflictStrategy;
  /** Server wall clock (audit times). */
  now(): number;
  /** The collection's schema check of the record a write leaves (collection-schema.ts); none: no check. */
  conform?: CollectionConformance;
}

/** Returns the handler result: `{ conflict }` when a conflict was resolved, else nothing. */
export async function runGenericWrite(env: WriteEnv, write: GenericWrite): Promise<JsonValue | undefined> {
  const { state, liveHash, origin: previous } = await readState(env, write);
  // Before conflict detection: a conflict report would carry the value the caller may not see.
  assertReadable(env.ctx.rules, write.collection, write.key, state.value);
  const detection = detectConflict(write, state, env.ctx.clientId);
  if (!detection.conflict) {
    // Applied as sent: the writer can rebuild the value, so a pull may send it an echo marker instead.
    const origin = verbatimOrigin(write, state, previous, env.ctx);
    await apply(env, write, state, liveHash, { kind: 'write', value: clientEffect(write, state.value), resolution: 'client', stamped: write.op === 'patch' ? Object.keys(write.fields) : 'record' }, origin);
    return undefined;
  }
  const resolution = await resolveConflict(env.strategy, write, state, detection.fields, env.ctx.clientId);
  const entry = auditEntry(env, write, state, detection.fields);
  if (resolution.kind === 'reject') throw new ConflictRejection({ ...entry, resolution: 'server', value: entry.serverValue, ...stampOf(state) });
  const after = await apply(env, write, state, liveHash, resolution);
  const final = { ...entry, resolution: resolution.resolution, value: after.value ?? null, ...(after.hlc === undefined ? {} : { hlc: after.hlc }) };
  const seq = await appendConflict(env.trx, env.ctx.scope, final);
  // The report is plain JSON (zod output type keeps optional keys as `| undefined`).
  return { conflict: toReport(seq, final) as unknown as JsonValue };
}

/** The record's state, its digest contribution for the write that replaces it (no second read) and its origin. */
async function readState(env: WriteEnv, write: GenericWrite): Promise<{ state: RecordState; liveHash: RecordHash | undefined; origin: RecordOrigin | undefined }> {
  const { row, clock } = await readRecordAndClock(env.trx, env.ctx.scope, write.collection, write.key);
  const version = toInt(row?.version);
  const value = row === undefined || row.deleted !== 0 || row.value === null ? undefined : (JSON.parse(row.value) as JsonObject);
  return { state: { value, version, clock }, liveHash: liveContribution(row), origin: originOfRow(row) };
}

/** Write the resolved value (if any) through the context's storage, so versions and digests stay right. */
async function apply(
  env: WriteEnv,
  write: GenericWrite,
  state: RecordState,
  liveHash: RecordHash | undefined,
  resolution: Resolution,
  origin?: RecordOrigin,
): Promise<{ value: JsonObject | undefined; hlc: string | undefined }> {
  if (resolution.kind !== 'write') return { value: state.value, hlc: state.clock.hlc };
  const { ctx } = env;
  // The write rule judges what would be written (after any conflict resolution); a denial rolls back nothing, as nothing was written yet.
  assertWrite(ctx.rules, { collection: write.collection, key: write.key, op: write.op, before: state.value, after: resolution.value });
  await env.conform?.(write.collection, write.key, resolution.value);
  const liveVersion = state.value === undefined ? undefined : state.version;
  const version = await writeKnownRecord(ctx, { collection: write.collection, key: write.key, value: resolution.value ?? null, liveVersion, liveHash, origin });
  // Deleting a record that is not there writes nothing (no version, no tombstone), so no clock either.
  if (version === undefined) return { value: undefined, hlc: state.clock.hlc };
  const clock = advanceClock(state.clock, write.hlc, resolution.stamped);
  await writeRecordClock(env.trx, { scope: ctx.scope, collection: write.collection, key: write.key, version, writer: ctx.clientId, ...clock });
  return { value: resolution.value, hlc: clock.hlc };
}

/** The audit entry of a detected conflict, before its resolution (also used by src/server/generic-run.ts). */
export function auditEntry(
  env: Pick<WriteEnv, 'strategy' | 'now'> & { ctx: Pick<MutationContext, 'clientId' | 'mutationId' | 'createdAt'> },
  write: GenericWrite,
  state: RecordState,
  fields: string[] | undefined,
): Omit<ConflictRecord, 'seq' | 'resolution' | 'value' | 'hlc'> {
  return {
    strategy: strategyName(env.strategy),
    ...(fields === undefined ? {} : { fields }),
    serverVersion: state.version,
    serverValue: state.value ?? null,
    clientId: env.ctx.clientId,
    mutationId: env.ctx.mutationId,
    collection: write.collection,
    key: write.key,
    op: write.op,
    baseVersion: write.baseVersion,
    ...(write.op === 'patch' ? { expected: write.expected } : {}),
    clientValue: write.op === 'put' ? write.value : write.op === 'patch' ? write.fields : null,
    clientHlc: write.hlc,
    clientCreatedAt: env.ctx.createdAt,
    resolvedAt: env.now(),
  };
}

export function stampOf(state: RecordState): { hlc?: string } {
  return state.clock.hlc === undefined ? {} : { hlc: state.clock.hlc };
}
