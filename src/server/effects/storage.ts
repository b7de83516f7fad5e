/**
 * Data access for the effect outbox, in portable kysely; every function takes the executor to run on.
 * A claim is a lease (`lease_until`), taken by a conditional UPDATE: two workers (or two instances on
 * one PostgreSQL) racing for the same effect both run it, the row lock orders them, and only the first
 * finds the lease still free. Per-key order: an effect is a candidate only while no older pending
 * effect has its key, so the next one waits for the previous to be delivered or dead-lettered.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { InvalidArgumentError } from '../../core/errors.js';
import type { JsonValue } from '../../protocol/json.js';
import { toInt, type ServerDatabase } from '../schema.js';
import type { EffectDeadLettersTable, EffectsTable } from './schema.js';
import type { Effect, EffectDeadLetter, EffectInfo, EffectQuery } from './types.js';

type Db = Kysely<ServerDatabase>;

const DEFAULT_LIMIT = 100;

export interface NewEffect {
  name: string;
  key: string;
  scope: string;
  payload: JsonValue;
  now: number;
}

/** Insert a pending effect on `db` (the mutation's transaction); returns its id. */
export async function insertEffect(db: Db, effect: NewEffect, id: string = randomUUID()): Promise<string> {
  await db.insertInto('effects').values(effectRow(effect, id)).execute();
  return id;
}

/** Bound values per effect row; a batch stays under SQLite's oldest limit of 999 bound parameters. */
const PARAMS_PER_EFFECT = 8;
const EFFECTS_PER_INSERT = Math.floor(999 / PARAMS_PER_EFFECT);

/**
 * Insert pending effects in one multi-row INSERT per batch. Their `seq` follows the array order (both
 * databases number a VALUES list's rows in order), so effects of one key keep their delivery order.
 */
export async function insertEffects(db: Db, effects: readonly NewEffect[]): Promise<void> {
  for (let i = 0; i < effects.length; i += EFFECTS_PER_INSERT) {
    await db.insertInto('effects').values(effects.slice(i, i + EFFECTS_PER_INSERT).map((effect) => effectRow(effect, randomUUID()))).execute();
  }
}

function effectRow(effect: NewEffect, id: string) {
  return { id, name: effect.name, key: effect.key, scope: effect.scope, payload: JSON.stringify(effect.payload), created_at: effect.now, status: 'pending' as const, next_attempt_at: effect.now };
}

/** Claim up to `limit` due effects, at most one per key (the oldest pending one), for `leaseMs`. */
export async function claimEffects(db: Db, now: number, limit: number, leaseMs: number): Promise<Effect[]> {
  const candidates = await db
    .selectFrom('effects as e')
    .select('e.seq')
    .where('e.status', '=', 'pending')
    .where('e.next_attempt_at', '<=', now)
    .where((w) => w.or([w('e.lease_until', 'is', null), w('e.lease_until', '<', now)]))
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('effects as o').select(sql.lit(1).as('one')).whereRef('o.key', '=', 'e.key').where('o.status', '=', 'pending').whereRef('o.seq', '<', 'e.seq'))),
    )
    .orderBy('e.seq')
    .limit(limit)
    .execute();
  if (candidates.length === 0) return [];
  const claimed = await db
    .updateTable('effects')
    .set((eb) => ({ lease_until: now + leaseMs, attempts: eb('attempts', '+', 1) }))
    .where('seq', 'in', candidates.map((c) => c.seq))
    .where('status', '=', 'pending')
    .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<', now)]))
    .returningAll()
    .execute();
  return claimed.sort((a, b) => toInt(a.seq) - toInt(b.seq)).map(toEffect);
}

export async function markDelivered(db: Db, id: string, result: JsonValue | undefined, now: number): Promise<void> {
  await db
    .updateTable('effects')
    .set({ status: 'delivered', delivered_at: now, lease_until: null, last_error: null, result: result === undefined ? null : JSON.stringify(result) })
    .where('id', '=', id)
    .execute();
}

/** A failed attempt that will be retried at `retryAt`; the claim is released. */
export async function scheduleRetry(db: Db, id: string, error: string, retryAt: number): Promise<void> {
  await db.updateTable('effects').set({ last_error: error, next_attempt_at: retryAt, lease_until: null }).where('id', '=', id).where('status', '=', 'pending').execute();
}

/** Move a pending effect to the dead letters, which frees its key; run it in a transaction. */
export async function deadLetterEffect(trx: Db, id: string, error: string, now: number): Promise<void> {
  const row = await trx.selectFrom('effects').selectAll().where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  if (row === undefined) return;
  await trx
    .insertInto('effect_dead_letters')
    .values({ id: row.id, name: row.name, key: row.key, scope: row.scope, payload: row.payload, created_at: toInt(row.created_at), error, attempts: toInt(row.attempts), dead_lettered_at: now, status: 'dead' })
    .onConflict((oc) => oc.column('id').doUpdateSet({ error, attempts: toInt(row.attempts), dead_lettered_at: now, status: 'dead', replayed_at: null }))
    .execute();
  await trx.deleteFrom('effects').where('id', '=', id).execute();
}

/** What one delivery attempt came to. */
export type Settlement =
  | { kind: 'delivered'; id: string; result: JsonValue | undefined }
  | { kind: 'retry'; id: string; error: string; retryAt: number }
  | { kind: 'dead'; id: string; error: string };

/**
 * Record a round's outcomes in one transaction: one commit (one fsync on a durable server) per round
 * rather than per effect, which bounded delivery at the disk's fsync rate.
 */
export async function settleRound(db: Db, settlements: Settlement[], now: number): Promise<void> {
  if (settlements.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const s of settlements) {
      if (s.kind === 'delivered') await markDelivered(trx, s.id, s.result, now);
      else if (s.kind === 'retry') await scheduleRetry(trx, s.id, s.error, s.retryAt);
      else await deadLetterEffect(trx, s.id, s.error, now);
    }
  });
}

/** Put a dead letter back in the outbox under its own id (a new seq: it goes behind its key's queue). */
export async function replayEffectDeadLetter(db: Db, id: string, now: number, onlyName?: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const letter = await trx.selectFrom('effect_dead_letters').selectAll().where('id', '=', id).executeTakeFirst();
    if (letter === undefined || (onlyName !== undefined && letter.name !== onlyName)) throw new InvalidArgumentError(`There is no effect dead letter "${id}"; list them with server.effects.deadLetters().`);
    if (letter.status !== 'dead') throw new InvalidArgumentError(`Effect dead letter "${id}" was already replayed; it is in the outbox (server.effects.list()).`);
    await trx.insertInto('effects').values({ id, name: letter.name, key: letter.key, scope: letter.scope, payload: letter.payload, created_at: toInt(letter.created_at), status: 'pending', next_attempt_at: now }).execute();
    await trx.updateTable('effect_dead_letters').set({ status: 'replayed', replayed_at: now }).where('id', '=', id).execute();
  });
}

export async function listEffects(db: Db, query: EffectQuery = {}): Promise<EffectInfo[]> {
  let select = db.selectFrom('effects').selectAll();
  const status = query.status ?? 'all';
  if (status !== 'all') select = select.where('status', '=', status);
  if (query.name !== undefined) select = select.where('name', '=', query.name);
  if (query.namePrefix !== undefined) select = select.where('name', 'like', `${query.namePrefix.replace(/[\\%_]/g, '\\$&')}%`);
  const rows = await select.orderBy('seq').limit(query.limit ?? DEFAULT_LIMIT).execute();
  return rows.map(toInfo);
}

export async function listEffectDeadLetters(db: Db, query: { status?: 'dead' | 'replayed' | 'all'; limit?: number; name?: string } = {}): Promise<EffectDeadLetter[]> {
  let select = db.selectFrom('effect_dead_letters').selectAll();
  const status = query.status ?? 'dead';
  if (status !== 'all') select = select.where('status', '=', status);
  if (query.name !== undefined) select = select.where('name', '=', query.name);
  const rows = await select.orderBy('dead_lettered_at').orderBy('id').limit(query.limit ?? DEFAULT_LIMIT).execute();
  return rows.map(toDeadLetter);
}

/** The fields an effect row and a dead-letter row share. */
function commonFields(row: Selectable<EffectsTable> | Selectable<EffectDeadLettersTable>): Pick<Effect, 'id' | 'name' | 'key' | 'scope' | 'payload' | 'createdAt'> {
  return { id: row.id, name: row.name, key: row.key, scope: row.scope, payload: JSON.parse(row.payload) as JsonValue, createdAt: toInt(row.created_at) };
}

function toEffect(row: Selectable<EffectsTable>): Effect {
  return { ...commonFields(row), attempt: toInt(row.attempts) };
}

function toInfo(row: Selectable<EffectsTable>): EffectInfo {
  return {
    ...commonFields(row),
    status: row.status === 'delivered' ? 'delivered' : 'pending',
    attempts: toInt(row.attempts),
    nextAttemptAt: toInt(row.next_attempt_at),
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    ...(row.delivered_at === null ? {} : { deliveredAt: toInt(row.delivered_at) }),
    ...(row.result === null ? {} : { result: JSON.parse(row.result) as JsonValue }),
  };
}

function toDeadLetter(row: Selectable<EffectDeadLettersTable>): EffectDeadLetter {
  return {
    ...commonFields(row),
    error: row.error,
    attempts: toInt(row.attempts),
    deadLetteredAt: toInt(row.dead_lettered_at),
    status: row.status === 'replayed' ? 'replayed' : 'dead',
    ...(row.replayed_at === null ? {} : { replayedAt: toInt(row.replayed_at) }),
  };
}

export async function readEffectDeadLetter(db: Db, id: string): Promise<EffectDeadLetter | undefined> {
  const row = await db.selectFrom('effect_dead_letters').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toDeadLetter(row);
}
