/**
 * Data access for the sync tables, in portable kysely (no dialect-specific SQL). Every function takes
 * the executor to run on — the database or an open transaction — so callers decide the transaction
 * boundaries.
 */
import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import type { JsonObject } from '../protocol/json.js';
import { toInt } from './schema.js';
import { liveContribution, readContribution, updateDigest } from './digest-storage.js';
import { hashHex, recordHash, type RecordHash } from '../protocol/digest.js';
import type { ClientsTable, RecordRow, ServerDatabase } from './schema.js';
import type { RecordOrigin } from './record-origin.js';
import { rawSqlite } from './sqlite-raw.js';
import { SynclineError } from '../core/errors.js';

type Db = Kysely<ServerDatabase>;
type ClientsRow = Selectable<ClientsTable>;

export interface ClientRow {
  scope: string;
  lastMutationId: number;
  /** The client's next mutation, while its handler keeps failing unexpectedly. */
  failing?: FailingMutation;
}

export interface FailingMutation {
  mutationId: number;
  /** Failed attempts so far. */
  attempts: number;
  /** First failure, epoch ms. */
  since: number;
}

/**
 * Take the scope's write lock for the rest of the transaction and return its current version.
 * The no-op UPDATE row-locks on PostgreSQL, so versions of one scope commit in order there too;
 * on SQLite it starts the (single) write transaction.
 */
export async function lockScope(db: Db, scope: string): Promise<number> {
  const raw = rawSqlite(db);
  if (raw !== undefined) {
    raw.run('INSERT INTO scopes (scope, version) VALUES (?, 0) ON CONFLICT (scope) DO NOTHING', scope);
    const { version } = raw.get<{ version: number }>('UPDATE scopes SET version = version WHERE scope = ? RETURNING version', scope)!;
    raw.setVersion(scope, version, false);
    return version;
  }
  // One statement: the no-op DO UPDATE row-locks an existing row like an UPDATE would, and RETURNING
  // reads it after the lock is granted (READ COMMITTED), so the version is the last committed one.
  const row = await db
    .insertInto('scopes')
    .values({ scope, version: 0 })
    .onConflict((oc) => oc.column('scope').doUpdateSet({ version: sql`scopes.version` }))
    .returning('version')
    .executeTakeFirstOrThrow();
  return toInt(row.version);
}

/** Hand out the scope's next version. */
export async function bumpScopeVersion(db: Db, scope: string): Promise<number> {
  const raw = rawSqlite(db);
  if (raw !== undefined) {
    // Counted in memory under the scope lock and written once before the commit (sqlite-raw.ts).
    const version = (raw.cachedVersion(scope) ?? toInt(raw.get<{ version: number }>('SELECT version FROM scopes WHERE scope = ?', scope)?.version)) + 1;
    raw.setVersion(scope, version, true);
    return version;
  }
  const row = await db
    .updateTable('scopes')
    .set({ version: sql`version + 1` })
    .where('scope', '=', scope)
    .returning('version')
    .executeTakeFirstOrThrow();
  return toInt(row.version);
}

export async function readScopeVersion(db: Db, scope: string): Promise<number> {
  const row = await db.selectFrom('scopes').select('version').where('scope', '=', scope).executeTakeFirst();
  return toInt(row?.version);
}

/** The scope's latest version and tombstone purge horizon, in one read (0 and 0 for a new scope). */
export async function readScopeState(db: Db, scope: string): Promise<{ version: number; purgedThrough: number }> {
  const row = await db.selectFrom('scopes').select(['version', 'purged_through']).where('scope', '=', scope).executeTakeFirst();
  return { version: toInt(row?.version), purgedThrough: toInt(row?.purged_through) };
}

export async function readRecord(db: Db, scope: string, collection: string, key: string): Promise<RecordRow | undefined> {
  const raw = rawSqlite(db);
  if (raw !== undefined) return raw.get<RecordRow>('SELECT * FROM records WHERE scope = ? AND collection = ? AND key = ?', scope, collection, key);
  return db
    .selectFrom('records')
    .selectAll()
    .where('scope', '=', scope)
    .where('collection', '=', collection)
    .where('key', '=', key)
    .executeTakeFirst();
}

/**
 * Upsert a record (value null = tombstone) at the given version, keeping the scope's digest. `known`
 * says whether the record being replaced is live (liveVersion undefined: it is not), for callers that
 * just read it, with its digest contribution if they have it (`liveContribution` of the row they
 * read); otherwise that contribution is read here when the record is live. `row.origin`: set only by
 * a generic write applied verbatim (src/server/record-origin.ts); every other write clears it.
 */
export async function writeRecord(
  db: Db,
  row: { scope: string; collection: string; key: string; value: JsonObject | null; version: number; origin?: RecordOrigin | undefined },
  known?: { liveVersion: number | undefined; liveHash?: RecordHash | undefined },
): Promise<void> {
  const after = row.value === null ? undefined : recordHash(row.collection, row.key, row.version, row.value);
  const origin = row.value === null ? undefined : row.origin;
  const values = {
    scope: row.scope,
    collection: row.collection,
    key: row.key,
    value: row.value === null ? null : JSON.stringify(row.value),
    version: row.version,
    deleted: row.value === null ? 1 : 0,
    deleted_at: row.value === null ? Date.now() : null,
    digest_hash: after === undefined ? null : hashHex(after),
    origin_client: origin?.clientId ?? null,
    origin_mutation: origin?.mutationId ?? null,
    origin_first: origin?.firstMutationId ?? null,
    origin_base: origin?.baseVersion ?? null,
  };
  const before =
    known === undefined
      ? liveContribution(await readRecord(db, row.scope, row.collection, row.key))
      : known.liveVersion === undefined
        ? undefined
        : (known.liveHash ?? (await readContribution(db, row.scope, row.collection, row.key)));
  await updateDigest(db, row.scope, row.collection, before, after);
  const raw = rawSqlite(db);
  if (raw !== undefined) {
    raw.run(UPSERT_RECORD_SQL, values.scope, values.collection, values.key, values.value, values.version, values.deleted, values.deleted_at, values.digest_hash, values.origin_client, values.origin_mutation, values.origin_first, values.origin_base);
    return;
  }
  await db
    .insertInto('records')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['scope', 'collection', 'key']).doUpdateSet({
        value: values.value,
        version: values.version,
        deleted: values.deleted,
        deleted_at: values.deleted_at,
        digest_hash: values.digest_hash,
        origin_client: values.origin_client,
        origin_mutation: values.origin_mutation,
        origin_first: values.origin_first,
        origin_base: values.origin_base,
      }),
    )
    .execute();
}

/** Columns in the order of writeRecord's `values`; every one but the key is replaced on conflict. */
const RECORD_COLUMNS = ['scope', 'collection', 'key', 'value', 'version', 'deleted', 'deleted_at', 'digest_hash', 'origin_client', 'origin_mutation', 'origin_first', 'origin_base'];
export const UPSERT_RECORD_SQL =
  `INSERT INTO records (${RECORD_COLUMNS.join(', ')}) VALUES (${RECORD_COLUMNS.map(() => '?').join(', ')}) ` +
  `ON CONFLICT (scope, collection, key) DO UPDATE SET ${RECORD_COLUMNS.slice(3).map((c) => `${c} = excluded.${c}`).join(', ')}`;

/** The version of `row` if it holds a live record (not a tombstone), else undefined. */
export function liveVersionOf(row: RecordRow | undefined): number | undefined {
  return row === undefined || row.deleted !== 0 ? undefined : toInt(row.version);
}

export async function listLiveRecords(db: Db, scope: string, collection: string, limit: number): Promise<RecordRow[]> {
  return db
    .selectFrom('records')
    .selectAll()
    .where('scope', '=', scope)
    .where('collection', '=', collection)
    .where('deleted', '=', 0)
    .orderBy('key')
    .limit(limit)
    .execute();
}

/** Changes of a scope after `cursor`, in version order (each write has its own version). */
export async function readChangesSince(db: Db, scope: string, cursor: number, limit: number, collection?: string): Promise<RecordRow[]> {
  let query = db.selectFrom('records').selectAll().where('scope', '=', scope).where('version', '>', cursor);
  if (collection !== undefined) query = query.where('collection', '=', collection);
  return query.orderBy('version').limit(limit).execute();
}

export async function readClient(db: Db, clientId: string): Promise<ClientRow | undefined> {
  const raw = rawSqlite(db);
  const row = raw !== undefined
    ? raw.get<Pick<ClientsRow, 'scope' | 'last_mutation_id' | 'failing_mutation_id' | 'failing_attempts' | 'failing_since'>>(
      'SELECT scope, last_mutation_id, failing_mutation_id, failing_attempts, failing_since FROM clients WHERE client_id = ?', clientId)
    : await db
      .selectFrom('clients')
      .select(['scope', 'last_mutation_id', 'failing_mutation_id', 'failing_attempts', 'failing_since'])
      .where('client_id', '=', clientId)
      .executeTakeFirst();
  if (row === undefined) return undefined;
  const client: ClientRow = { scope: row.scope, lastMutationId: toInt(row.last_mutation_id) };
  if (row.failing_mutation_id !== null) {
    client.failing = { mutationId: toInt(row.failing_mutation_id), attempts: toInt(row.failing_attempts), since: toInt(row.failing_since) };
  }
  return client;
}

/** Record the client's progress; `failing` replaces the failing-mutation state (null clears it). */
export async function saveClient(db: Db, clientId: string, scope: string, lastMutationId: number, failing: FailingMutation | null = null): Promise<void> {
  const state = {
    last_mutation_id: lastMutationId,
    failing_mutation_id: failing?.mutationId ?? null,
    failing_attempts: failing?.attempts ?? 0,
    failing_since: failing?.since ?? null,
  };
  const raw = rawSqlite(db);
  if (raw !== undefined) {
    raw.run(
      'INSERT INTO clients (client_id, scope, last_mutation_id, failing_mutation_id, failing_attempts, failing_since) VALUES (?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (client_id) DO UPDATE SET last_mutation_id = excluded.last_mutation_id, failing_mutation_id = excluded.failing_mutation_id, ' +
        'failing_attempts = excluded.failing_attempts, failing_since = excluded.failing_since',
      clientId, scope, state.last_mutation_id, state.failing_mutation_id, state.failing_attempts, state.failing_since,
    );
    return;
  }
  // Only the client's own scope's row is updated: a row another scope claimed meanwhile (two first
  // pushes of one new client id racing into two scopes) stays as it is, and this push fails with 403.
  const saved = await db
    .insertInto('clients')
    .values({ client_id: clientId, scope, ...state })
    .onConflict((oc) => oc.column('client_id').doUpdateSet(state).where('clients.scope', '=', scope))
    .returning('client_id')
    .executeTakeFirst();
  if (saved === undefined) throw new ClientClaimedError(clientId, scope);
}

/** saveClient found the client id's row claimed by another scope; push answers 403 (client-claim.ts). */
export class ClientClaimedError extends SynclineError {
  override name = 'ClientClaimedError' as const;
  constructor(clientId: string, scope: string) {
    super('forbidden', `Client ${clientId} was claimed by another scope while pushing in ${scope}.`);
  }
}

/** Rows per INSERT: well below SQLite's and PostgreSQL's bound-parameter limits. */
const OUTCOME_ROWS_PER_INSERT = 500;

/** Store outcomes of one client's mutations, one multi-row INSERT per 500. */
export async function saveOutcomes(db: Db, clientId: string, outcomes: ReadonlyArray<{ id: number; version: number }>): Promise<void> {
  const raw = rawSqlite(db);
  if (raw !== undefined) {
    // One prepared single-row insert per outcome: cheaper than building a multi-row statement.
    for (const outcome of outcomes) {
      raw.run('INSERT INTO mutation_outcomes (client_id, mutation_id, version, outcome) VALUES (?, ?, ?, ?)', clientId, outcome.id, outcome.version, JSON.stringify(outcome));
    }
    return;
  }
  for (let i = 0; i < outcomes.length; i += OUTCOME_ROWS_PER_INSERT) {
    const rows = outcomes.slice(i, i + OUTCOME_ROWS_PER_INSERT).map((outcome) => ({
      client_id: clientId,
      mutation_id: outcome.id,
      version: outcome.version,
      outcome: JSON.stringify(outcome),
    }));
    await db.insertInto('mutation_outcomes').values(rows).execute();
  }
}

/** Delete the stored outcomes of one client's mutations up to `throughId` (they will not be resent). */
export async function forgetOutcomes(db: Db, clientId: string, throughId: number): Promise<void> {
  if (throughId < 1) return;
  const raw = rawSqlite(db);
  if (raw !== undefined) {
    raw.run('DELETE FROM mutation_outcomes WHERE client_id = ? AND mutation_id <= ?', clientId, throughId);
    return;
  }
  await db.deleteFrom('mutation_outcomes').where('client_id', '=', clientId).where('mutation_id', '<=', throughId).execute();
}

/** Stored wire outcomes (parsed JSON, unvalidated) of the client's mutations `from..through`, by id. */
export async function readOutcomes(db: Db, clientId: string, from: number, through: number): Promise<Map<number, unknown>> {
  const raw = rawSqlite(db);
  const rows = raw !== undefined
    ? raw.all<{ mutation_id: number; outcome: string }>('SELECT mutation_id, outcome FROM mutation_outcomes WHERE client_id = ? AND mutation_id >= ? AND mutation_id <= ?', clientId, from, through)
    : await db
    .selectFrom('mutation_outcomes')
    .select(['mutation_id', 'outcome'])
    .where('client_id', '=', clientId)
    .where('mutation_id', '>=', from)
    .where('mutation_id', '<=', through)
    .execute();
  return new Map(rows.map((row) => [toInt(row.mutation_id), JSON.parse(row.outcome) as unknown]));
}

/**
 * Highest mutation id of the client whose outcome version is <= `version` (0 if none). Outcome
 * versions grow with mutation ids, so this is the end of a prefix of the client's mutations.
 */
export async function lastMutationIdAtOrBelow(db: Db, clientId: string, version: number): Promise<number> {
  const row = await db
    .selectFrom('mutation_outcomes')
    .select('mutation_id')
    .where('client_id', '=', clientId)
    .where('version', '<=', version)
    .orderBy('mutation_id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return toInt(row?.mutation_id);
}

/** Increment and return a per-scope counter (first value 1). */
export async function incrementCounter(db: Db, scope: string, name: string): Promise<number> {
  const raw = rawSqlite(db);
  if (raw !== undefined) {
    return raw.get<{ value: number }>('INSERT INTO counters (scope, name, value) VALUES (?, ?, 1) ON CONFLICT (scope, name) DO UPDATE SET value = counters.value + 1 RETURNING value', scope, name)!.value;
  }
  const row = await db
    .insertInto('counters')
    .values({ scope, name, value: 1 })
    .onConflict((oc) => oc.columns(['scope', 'name']).doUpdateSet({ value: sql`counters.value + 1` }))
    .returning('value')
    .executeTakeFirstOrThrow();
  return toInt(row.value);
}
