/**
 * POSTGRESQL-ONLY. The storage of one set-based run of generic writes (src/server/generic-run.ts):
 * everything the run reads comes in with one statement, everything it writes goes out with one.
 *
 * - load: the run's records with their clocks (a join of the keys on the primary key), the digest
 *   lanes of its collections and the scope's conflict counter, as one row of JSON;
 * - in between, the run works in memory (src/server/generic-run-state.ts);
 * - flush: one statement whose data-modifying CTEs upsert the final row of each written record and
 *   clock (`INSERT … SELECT FROM json_to_recordset(…) ON CONFLICT DO UPDATE`), the touched digest lanes, the
 *   conflict counter and audit rows, and set the scope's version once.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { AUDIT_COUNTER } from './conflicts/audit-storage.js';
import type { ConflictsTable } from './conflicts/schema.js';
import { RunState, type PendingRun, type RowWithClock, type RunTarget } from './generic-run-state.js';
import { toInt, type ServerDatabase } from './schema.js';
import { ClientClaimedError, type FailingMutation } from './storage.js';

type Db = Kysely<ServerDatabase>;

/** A JSON text parameter (json_to_recordset's input); stringified here so pg does not encode it again. */
function jsonParam(rows: unknown[]): RawBuilder<unknown> {
  return sql`${JSON.stringify(rows)}::json`;
}

/** Read what a run on `targets` needs, as of now in `trx` (under the scope lock, at `version`). */
export async function loadPgRun(trx: Db, scope: string, version: number, targets: ReadonlyArray<RunTarget>): Promise<RunState> {
  const unique = new Map(targets.map((t) => [`${t.collection}\u0000${t.key}`, t]));
  const collections = [...new Set(targets.map((t) => t.collection))];
  // One round trip under the scope lock: the records with their clocks, the lanes and the conflict
  // counter come back as one row of JSON (pg parses it with JSON.parse, not field by field).
  const loaded = await sql<{ records: RowWithClock[]; lanes: Array<{ collection: string; count: number; lane_a: number; lane_b: number }>; conflict_seq: string | null }>`
    SELECT
      (SELECT coalesce(json_agg(x), '[]') FROM (
        SELECT r.*, c.version AS c_version, c.writer AS c_writer, c.hlc AS c_hlc, c.fields AS c_fields
        FROM json_to_recordset(${jsonParam([...unique.values()].map((t) => ({ c: t.collection, k: t.key })))}) AS k(c text, k text)
        JOIN records r ON r.scope = ${scope} AND r.collection = k.c AND r.key = k.k
        LEFT JOIN record_clocks c ON c.scope = r.scope AND c.collection = r.collection AND c.key = r.key) x) AS records,
      (SELECT coalesce(json_agg(y), '[]') FROM (
        SELECT collection, count, lane_a, lane_b FROM digests WHERE scope = ${scope} AND collection = ANY(${collections}::text[])) y) AS lanes,
      (SELECT value FROM counters WHERE scope = ${scope} AND name = ${AUDIT_COUNTER}) AS conflict_seq`.execute(trx);
  const { records, lanes, conflict_seq } = loaded.rows[0] ?? { records: [], lanes: [], conflict_seq: null };
  const stored = new Map(lanes.map((row) => [row.collection, { count: toInt(row.count), a: toInt(row.lane_a), b: toInt(row.lane_b) }]));
  return new RunState(scope, version, toInt(conflict_seq), unique.values(), records, stored);
}

/** Write what the run changed, in one statement. */
export async function flushPgRun(trx: Db, state: RunState): Promise<void> {
  const pending = state.pending();
  const scope = state.scope;
  const parts = [...recordUpserts(scope, pending), ...clockUpserts(scope, pending), ...laneUpserts(scope, pending), ...auditInserts(scope, pending)];
  if (pending.version !== undefined) parts.push(sql`s AS (UPDATE scopes SET version = ${pending.version} WHERE scope = ${scope})`);
  if (parts.length === 0) return;
  await sql`WITH ${sql.join(parts)} SELECT 1`.execute(trx);
}

function recordUpserts(scope: string, { records: rows }: PendingRun): RawBuilder<unknown>[] {
  if (rows.length === 0) return [];
  // The rows travel as one JSON parameter: JSON.stringify is native, where pg's encoding of text
  // arrays escapes every element in JavaScript (about a third of the run's CPU under the scope lock).
  return [sql`r AS (INSERT INTO records (scope, collection, key, value, version, deleted, deleted_at, digest_hash, origin_client, origin_mutation, origin_first, origin_base)
    SELECT ${scope}::text, * FROM json_to_recordset(${jsonParam(rows.map((r) => ({
      c: r.collection, k: r.key, v: r.value, n: r.version, d: r.deleted, da: r.deleted_at, h: r.digest_hash,
      oc: r.origin_client, om: r.origin_mutation, of: r.origin_first, ob: r.origin_base,
    })))}) AS x(c text, k text, v text, n int8, d int4, da int8, h text, oc text, om int8, "of" int8, ob int8)
    ON CONFLICT (scope, collection, key) DO UPDATE SET value = excluded.value, version = excluded.version, deleted = excluded.deleted,
      deleted_at = excluded.deleted_at, digest_hash = excluded.digest_hash, origin_client = excluded.origin_client,
      origin_mutation = excluded.origin_mutation, origin_first = excluded.origin_first, origin_base = excluded.origin_base)`];
}

function clockUpserts(scope: string, { clocks: rows }: PendingRun): RawBuilder<unknown>[] {
  if (rows.length === 0) return [];
  return [sql`c AS (INSERT INTO record_clocks (scope, collection, key, version, writer, hlc, fields)
    SELECT ${scope}::text, * FROM json_to_recordset(${jsonParam(rows.map((r) => ({
      c: r.collection, k: r.key, n: r.clock.version, w: r.clock.writer, h: r.clock.hlc, f: JSON.stringify(r.clock.fields),
    })))}) AS x(c text, k text, n int8, w text, h text, f text)
    ON CONFLICT (scope, collection, key) DO UPDATE SET version = excluded.version, writer = excluded.writer, hlc = excluded.hlc, fields = excluded.fields)`];
}

function laneUpserts(scope: string, { lanes: touched }: PendingRun): RawBuilder<unknown>[] {
  if (touched.length === 0) return [];
  const collections = touched.map((t) => t.collection);
  const lanes = touched.map((t) => t.lanes);
  return [sql`d AS (INSERT INTO digests (scope, collection, count, lane_a, lane_b)
    SELECT ${scope}::text, * FROM unnest(${collections}::text[], ${lanes.map((l) => l.count)}::int8[], ${lanes.map((l) => l.a)}::int8[], ${lanes.map((l) => l.b)}::int8[])
    ON CONFLICT (scope, collection) DO UPDATE SET count = excluded.count, lane_a = excluded.lane_a, lane_b = excluded.lane_b)`];
}

function auditInserts(scope: string, { conflicts: rows, conflictSeq }: PendingRun): RawBuilder<unknown>[] {
  if (rows.length === 0) return [];
  const col = <T>(pick: (row: ConflictsTable) => T): T[] => rows.map(pick);
  return [
    sql`n AS (INSERT INTO counters (scope, name, value) VALUES (${scope}, ${AUDIT_COUNTER}, ${conflictSeq})
      ON CONFLICT (scope, name) DO UPDATE SET value = excluded.value)`,
    sql`a AS (INSERT INTO conflicts (scope, seq, client_id, mutation_id, collection, key, op, strategy, resolution, detail, resolved_at)
      SELECT ${scope}::text, * FROM unnest(${col((r) => r.seq)}::int8[], ${col((r) => r.client_id)}::text[], ${col((r) => r.mutation_id)}::int8[],
        ${col((r) => r.collection)}::text[], ${col((r) => r.key)}::text[], ${col((r) => r.op)}::text[], ${col((r) => r.strategy)}::text[],
        ${col((r) => r.resolution)}::text[], ${col((r) => r.detail)}::text[], ${col((r) => r.resolved_at)}::int8[]))`,
  ];
}

/**
 * POSTGRESQL-ONLY. The end of a set-based slice in one statement: storage.ts's saveOutcomes,
 * saveClient and forgetOutcomes, in that order. "In that order" matters where they overlap: an
 * outcome at or below `forgetThrough` would be inserted and then deleted, so it is not inserted.
 * Throws ClientClaimedError (the transaction is then rolled back) when another scope owns the client.
 */
export async function saveSliceEnd(
  trx: Db,
  end: { clientId: string; scope: string; outcomes: ReadonlyArray<{ id: number; version: number }>; client: { lastMutationId: number; failing: FailingMutation | null } | undefined; forgetThrough: number | undefined },
): Promise<void> {
  const { clientId, scope } = end;
  const forget = end.forgetThrough !== undefined && end.forgetThrough >= 1 ? end.forgetThrough : undefined;
  const kept = forget === undefined ? end.outcomes : end.outcomes.filter((o) => o.id > forget);
  const parts: RawBuilder<unknown>[] = [];
  if (kept.length > 0) {
    parts.push(sql`o AS (INSERT INTO mutation_outcomes (client_id, mutation_id, version, outcome)
      SELECT ${clientId}::text, * FROM json_to_recordset(${jsonParam(kept.map((o) => ({ i: o.id, n: o.version, o: JSON.stringify(o) })))}) AS x(i int8, n int8, o text))`);
  }
  if (forget !== undefined) parts.push(sql`f AS (DELETE FROM mutation_outcomes WHERE client_id = ${clientId} AND mutation_id <= ${forget})`);
  const client = end.client;
  if (client === undefined) {
    if (parts.length > 0) await sql`WITH ${sql.join(parts)} SELECT 1`.execute(trx);
    return;
  }
  const failing = client.failing;
  const state = sql`${client.lastMutationId}::int8, ${failing?.mutationId ?? null}::int8, ${failing?.attempts ?? 0}::int4, ${failing?.since ?? null}::int8`;
  // Only the client's own scope's row is updated (as saveClient): no row back means another scope claimed it.
  const upsert = sql`INSERT INTO clients (client_id, scope, last_mutation_id, failing_mutation_id, failing_attempts, failing_since)
    VALUES (${clientId}, ${scope}, ${state})
    ON CONFLICT (client_id) DO UPDATE SET last_mutation_id = excluded.last_mutation_id, failing_mutation_id = excluded.failing_mutation_id,
      failing_attempts = excluded.failing_attempts, failing_since = excluded.failing_since
    WHERE clients.scope = ${scope}
    RETURNING client_id`;
  const saved = await sql<{ client_id: string }>`${parts.length > 0 ? sql`WITH ${sql.join(parts)} ` : sql``}${upsert}`.execute(trx);
  if (saved.rows.length === 0) throw new ClientClaimedError(clientId, scope);
}
