/** The `MutationContext` handed to handlers: record access bound to one scope and one open transaction. */
import type { Kysely } from 'kysely';
import type { JsonObject } from '../protocol/json.js';
import type { RecordRow, ServerDatabase } from './schema.js';
import { bumpScopeVersion, incrementCounter, listLiveRecords, liveVersionOf, readRecord, writeRecord } from './storage.js';
import { liveContribution } from './digest-storage.js';
import type { RecordHash } from '../protocol/digest.js';
import type { MutationCaller, MutationContext, RuleChecks } from './types.js';
import { SERVER_RULES } from './rules.js';
import type { RecordOrigin } from './record-origin.js';
import { enqueueEffect } from './effects/enqueue.js';
import { publishEvent } from './webhooks/storage.js';
import type { RecordChangeFeed } from './webhooks/record-changes.js';
import type { RecordChangeOp } from './webhooks/types.js';

const DEFAULT_LIST_LIMIT = 1000;

export interface MutationIdentity {
  scope: string;
  clientId: string;
  mutationId: number;
  createdAt: number;
  /** Who pushed the mutation; absent in a replay. */
  caller?: MutationCaller;
  /** The access rules bound to the caller; absent: the server acts (every check passes). */
  rules?: RuleChecks;
  /** Only for a dead letter the server replays. */
  replayOf?: { clientId: string; mutationId: number; deadLetterId: string };
}

/**
 * The newest scope version handed out through each transaction (or savepoint) a context runs on.
 * Every version of a mutation is allocated here, so the push knows its outcome version without
 * reading the scope row back after each handler.
 */
const allocated = new WeakMap<Kysely<ServerDatabase>, number>();

/** The newest version a context on `trx` allocated, or undefined when its handler wrote nothing. */
export function versionAllocatedIn(trx: Kysely<ServerDatabase>): number | undefined {
  return allocated.get(trx);
}

/** Start counting afresh on `trx` (a transaction reused as the executor of the next mutation). */
export function forgetAllocatedVersion(trx: Kysely<ServerDatabase>): void {
  allocated.delete(trx);
}

async function nextVersion(trx: Kysely<ServerDatabase>, scope: string): Promise<number> {
  const version = await bumpScopeVersion(trx, scope);
  allocated.set(trx, version);
  return version;
}

/**
 * The transaction behind a context, for the built-in generic writes (conflict clocks and audit). A
 * symbol-keyed property rather than a WeakMap entry: a context is made per mutation, on the push's
 * hot path, and a WeakMap insert costs more than the rest of making it.
 */
const TRANSACTION: unique symbol = Symbol('syncline.mutation-transaction');
/** The server's `record.changed` feed (webhooks on), and the generic op a built-in handler is running. */
const CHANGES: unique symbol = Symbol('syncline.record-changes');
const OP: unique symbol = Symbol('syncline.record-op');

type ContextWithTransaction = MutationContext & { [TRANSACTION]?: Kysely<ServerDatabase>; [CHANGES]?: RecordChangeFeed | undefined; [OP]?: RecordChangeOp };

/** Set by the built-in generic handlers, so their `record.changed` events say put, patch, delete or increment. */
export function setRecordOp(ctx: MutationContext, op: RecordChangeOp): void {
  if ((ctx as ContextWithTransaction)[CHANGES] !== undefined) (ctx as ContextWithTransaction)[OP] = op;
}

/** A committed-with-the-transaction record write, enqueued as `record.changed` when anyone subscribes. */
async function noteChange(ctx: ContextWithTransaction, trx: Kysely<ServerDatabase>, collection: string, key: string, version: number, value: JsonObject | null, op: RecordChangeOp): Promise<void> {
  const feed = ctx[CHANGES];
  if (feed === undefined) return;
  await feed.emit(trx, [{ scope: ctx.scope, collection, key, version, op: ctx[OP] ?? op, value, writer: { clientId: ctx.clientId, mutationId: ctx.mutationId } }]);
}

export function transactionOf(ctx: MutationContext): Kysely<ServerDatabase> | undefined {
  return (ctx as ContextWithTransaction)[TRANSACTION];
}

/**
 * The context's own properties are written out, not spread from `identity`: spreading an object of
 * varying shape made each context a slow dictionary object (~5 µs apiece, bench/write-path).
 * Methods are closures, so a handler may destructure them (`const { get, put } = ctx`).
 */
export function createMutationContext(trx: Kysely<ServerDatabase>, identity: MutationIdentity, changes?: RecordChangeFeed): MutationContext {
  const { scope } = identity;
  const ctx: ContextWithTransaction = {
    scope,
    clientId: identity.clientId,
    mutationId: identity.mutationId,
    createdAt: identity.createdAt,
    rules: identity.rules ?? SERVER_RULES,
    async get(collection, key) {
      const row = await readRecord(trx, scope, collection, key);
      return liveValue(row);
    },
    async put(collection, key, value) {
      const version = await nextVersion(trx, scope);
      await writeRecord(trx, { scope, collection, key, value, version });
      if (changes !== undefined) await noteChange(ctx, trx, collection, key, version, value, 'put');
    },
    async delete(collection, key) {
      const row = await readRecord(trx, scope, collection, key);
      const version = await writeAt(trx, scope, { collection, key, value: null, liveVersion: liveVersionOf(row), liveHash: liveContribution(row) });
      if (changes !== undefined && version !== undefined) await noteChange(ctx, trx, collection, key, version, null, 'delete');
    },
    async list(collection, options) {
      const rows = await listLiveRecords(trx, scope, collection, options?.limit ?? DEFAULT_LIST_LIMIT);
      return rows.map((row) => ({ key: row.key, value: JSON.parse(row.value ?? '{}') as JsonObject }));
    },
    nextCounter: (name) => incrementCounter(trx, scope, name),
    enqueue: (name, payload, options) => enqueueEffect(trx, scope, name, payload, options),
    publish: (type, data, options) => publishEvent(trx, scope, type, data, options?.key ?? scope, Date.now()),
    // Deliberately the mutation's own transaction (on SQLite the push's one connection): see MutationContext.transaction.
    transaction: <DB>() => trx as unknown as Kysely<DB>,
    [TRANSACTION]: trx,
    [CHANGES]: changes,
  };
  if (identity.replayOf !== undefined) ctx.replayOf = identity.replayOf;
  if (identity.caller !== undefined) ctx.caller = identity.caller;
  return ctx;
}

/** A record write by a caller that just read the record: its live version and digest contribution (if live). */
interface KnownRecord {
  collection: string;
  key: string;
  value: JsonObject | null;
  liveVersion: number | undefined;
  /** `liveContribution` of the row read; undefined: read it again if the record is live. */
  liveHash?: RecordHash | undefined;
  /** Set only by a generic write applied verbatim (src/server/record-origin.ts). */
  origin?: RecordOrigin | undefined;
}

/**
 * Write a record whose live version the caller has just read in this transaction (the built-in generic
 * writes read it for conflict detection), sparing the read `put`/`delete` would make. value null
 * deletes; deleting a record that is not live writes nothing. Returns the version written, if any.
 */
export async function writeKnownRecord(
  ctx: MutationContext,
  record: KnownRecord,
): Promise<number | undefined> {
  const trx = transactionOf(ctx);
  if (trx === undefined) throw new Error('writeKnownRecord needs a context made by createMutationContext');
  const version = await writeAt(trx, ctx.scope, record);
  if (version !== undefined && (ctx as ContextWithTransaction)[CHANGES] !== undefined) await noteChange(ctx, trx, record.collection, record.key, version, record.value, record.value === null ? 'delete' : 'put');
  return version;
}

async function writeAt(
  trx: Kysely<ServerDatabase>,
  scope: string,
  record: KnownRecord,
): Promise<number | undefined> {
  // Deleting what is not there writes nothing, so it needs no version and no tombstone.
  if (record.value === null && record.liveVersion === undefined) return undefined;
  const version = await nextVersion(trx, scope);
  await writeRecord(trx, { scope, collection: record.collection, key: record.key, value: record.value, version, origin: record.origin }, { liveVersion: record.liveVersion, liveHash: record.liveHash });
  return version;
}

function liveValue(row: RecordRow | undefined): JsonObject | undefined {
  if (row === undefined || row.deleted !== 0 || row.value === null) return undefined;
  return JSON.parse(row.value) as JsonObject;
}
