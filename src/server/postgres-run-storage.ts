/**
 * POSTGRESQL-ONLY. The storage of one set-based run of generic writes (src/server/postgres-generic-run.ts):
 * everything the run reads comes in with one statement, everything it writes goes out with one.
 *
 * - load: the run's records with their clocks (a join of the keys on the primary key), the digest
 *   lanes of its collections and the scope's conflict counter, as one row of JSON;
 * - in between, reads and writes are served from memory, in the order the mutations run, so each one
 *   sees the effects of those before it — what the per-mutation path reads back from the database;
 * - flush: one statement whose data-modifying CTEs upsert the final row of each written record and
 *   clock (`INSERT … SELECT FROM json_to_recordset(…) ON CONFLICT DO UPDATE`), the touched digest lanes, the
 *   conflict counter and audit rows, and set the scope's version once.
 *
 * Nothing else in the transaction touches these rows while the run is in memory: the run runs under
 * the scope lock, between the statements of its own slice.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { ConflictRecord } from '../protocol/wire.js';
import type { JsonObject } from '../protocol/json.js';
import { addHash, emptyLanes, hashHex, recordHash, type DigestLanes, type RecordHash } from '../protocol/digest.js';
import { AUDIT_COUNTER, conflictRow } from './conflicts/audit-storage.js';
import type { RecordClock } from './conflicts/detect.js';
import type { ConflictsTable } from './conflicts/schema.js';
import type { RecordOrigin } from './record-origin.js';
import { toInt, type RecordRow, type ServerDatabase } from './schema.js';
import { ClientClaimedError, type FailingMutation } from './storage.js';

type Db = Kysely<ServerDatabase>;

/** A JSON text parameter (json_to_recordset's input); stringified here so pg does not encode it again. */
function jsonParam(rows: unknown[]): RawBuilder<unknown> {
  return sql`${JSON.stringify(rows)}::json`;
}

/** A clock row as stored (fields parsed); valid only for the record version it names. */
interface ClockRow {
  version: number;
  writer: string;
  hlc: string;
  fields: Record<string, string>;
}

interface Slot {
  row: RecordRow | undefined;
  clock: ClockRow | undefined;
}

/** A record row as json_agg returns it (int8 as JSON numbers), with its clock's columns. */
type LoadedRow = RecordRow & { c_version: number | null; c_writer: string | null; c_hlc: string | null; c_fields: string | null };

const UNKNOWN_CLOCK: RecordClock = { writer: undefined, hlc: undefined, fields: {} };

const id = (collection: string, key: string): string => `${collection}\u0000${key}`;

export class PgRunState {
  readonly #slots = new Map<string, Slot>();
  readonly #lanes = new Map<string, DigestLanes>();
  readonly #touchedLanes = new Set<string>();
  readonly #writtenRecords = new Set<string>();
  readonly #writtenClocks = new Set<string>();
  readonly #conflicts: ConflictsTable[] = [];
  #conflictSeq: number;
  #version: number;
  readonly #versionBefore: number;

  private constructor(readonly scope: string, version: number, conflictSeq: number) {
    this.#version = version;
    this.#versionBefore = version;
    this.#conflictSeq = conflictSeq;
  }

  /** Read what a run on `targets` needs, as of now in `trx` (under the scope lock, at `version`). */
  static async load(trx: Db, scope: string, version: number, targets: ReadonlyArray<{ collection: string; key: string }>): Promise<PgRunState> {
    const unique = new Map(targets.map((t) => [id(t.collection, t.key), t]));
    const collections = [...new Set(targets.map((t) => t.collection))];
    // One round trip under the scope lock: the records with their clocks, the lanes and the conflict
    // counter come back as one row of JSON (pg parses it with JSON.parse, not field by field).
    const loaded = await sql<{ records: LoadedRow[]; lanes: Array<{ collection: string; count: number; lane_a: number; lane_b: number }>; conflict_seq: string | null }>`
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
    const state = new PgRunState(scope, version, toInt(conflict_seq));
    for (const t of unique.values()) state.#slots.set(id(t.collection, t.key), { row: undefined, clock: undefined });
    for (const { c_version, c_writer, c_hlc, c_fields, ...row } of records) {
      const clock = c_version === null || c_writer === null || c_hlc === null || c_fields === null
        ? undefined
        : { version: toInt(c_version), writer: c_writer, hlc: c_hlc, fields: JSON.parse(c_fields) as Record<string, string> };
      state.#slots.set(id(row.collection, row.key), { row, clock });
    }
    for (const collection of collections) state.#lanes.set(collection, emptyLanes());
    for (const row of lanes) state.#lanes.set(row.collection, { count: toInt(row.count), a: toInt(row.lane_a), b: toInt(row.lane_b) });
    return state;
  }

  /** The scope's version after the writes so far. */
  get version(): number {
    return this.#version;
  }

  /** The record's row as this run sees it now, and its clock at that row's version (unknown if stale). */
  read(collection: string, key: string): { row: RecordRow | undefined; clock: RecordClock } {
    const slot = this.#slot(collection, key);
    const version = toInt(slot.row?.version);
    const clock = slot.clock === undefined || slot.clock.version !== version ? UNKNOWN_CLOCK : slot.clock;
    return { row: slot.row, clock: { writer: clock.writer, hlc: clock.hlc, fields: { ...clock.fields } } };
  }

  /**
   * writeKnownRecord's rules: value null deletes, and deleting what is not live writes nothing (no
   * version); otherwise the next version, the digest moved from `liveHash` to the new contribution.
   */
  writeRecord(collection: string, key: string, value: JsonObject | null, live: { version: number | undefined; hash: RecordHash | undefined }, origin?: RecordOrigin): number | undefined {
    if (value === null && live.version === undefined) return undefined;
    const version = this.#version + 1;
    const after = value === null ? undefined : recordHash(collection, key, version, value);
    const before = live.version === undefined ? undefined : live.hash;
    if (before !== undefined || after !== undefined) {
      let lanes = this.#lanes.get(collection) ?? emptyLanes();
      if (before !== undefined) lanes = addHash(lanes, before, -1);
      if (after !== undefined) lanes = addHash(lanes, after, 1);
      this.#lanes.set(collection, lanes);
      this.#touchedLanes.add(collection);
    }
    const kept = value === null ? undefined : origin;
    this.#slot(collection, key).row = {
      scope: this.scope,
      collection,
      key,
      value: value === null ? null : JSON.stringify(value),
      version,
      deleted: value === null ? 1 : 0,
      deleted_at: value === null ? Date.now() : null,
      digest_hash: after === undefined ? null : hashHex(after),
      origin_client: kept?.clientId ?? null,
      origin_mutation: kept?.mutationId ?? null,
      origin_first: kept?.firstMutationId ?? null,
      origin_base: kept?.baseVersion ?? null,
    };
    this.#writtenRecords.add(id(collection, key));
    this.#version = version;
    return version;
  }

  writeClock(collection: string, key: string, clock: ClockRow): void {
    this.#slot(collection, key).clock = { ...clock, fields: { ...clock.fields } };
    this.#writtenClocks.add(id(collection, key));
  }

  /** Number an audit entry with the scope's next conflict seq and keep it for the flush. */
  appendConflict(entry: Omit<ConflictRecord, 'seq'>): number {
    this.#conflictSeq += 1;
    this.#conflicts.push(conflictRow(this.scope, this.#conflictSeq, entry));
    return this.#conflictSeq;
  }

  /** Write what the run changed, in one statement. */
  async flush(trx: Db): Promise<void> {
    const parts = [...this.#recordUpserts(), ...this.#clockUpserts(), ...this.#laneUpserts(), ...this.#auditInserts()];
    if (this.#version !== this.#versionBefore) parts.push(sql`s AS (UPDATE scopes SET version = ${this.#version} WHERE scope = ${this.scope})`);
    if (parts.length === 0) return;
    await sql`WITH ${sql.join(parts)} SELECT 1`.execute(trx);
  }

  #slot(collection: string, key: string): Slot {
    const slot = this.#slots.get(id(collection, key));
    if (slot === undefined) throw new Error(`Set-based run: ${collection}/${key} was not loaded.`);
    return slot;
  }

  #recordUpserts(): RawBuilder<unknown>[] {
    const rows = [...this.#writtenRecords].map((k) => this.#slots.get(k)?.row).filter((row) => row !== undefined);
    if (rows.length === 0) return [];
    // The rows travel as one JSON parameter: JSON.stringify is native, where pg's encoding of text
    // arrays escapes every element in JavaScript (about a third of the run's CPU under the scope lock).
    return [sql`r AS (INSERT INTO records (scope, collection, key, value, version, deleted, deleted_at, digest_hash, origin_client, origin_mutation, origin_first, origin_base)
      SELECT ${this.scope}::text, * FROM json_to_recordset(${jsonParam(rows.map((r) => ({
        c: r.collection, k: r.key, v: r.value, n: r.version, d: r.deleted, da: r.deleted_at, h: r.digest_hash,
        oc: r.origin_client, om: r.origin_mutation, of: r.origin_first, ob: r.origin_base,
      })))}) AS x(c text, k text, v text, n int8, d int4, da int8, h text, oc text, om int8, "of" int8, ob int8)
      ON CONFLICT (scope, collection, key) DO UPDATE SET value = excluded.value, version = excluded.version, deleted = excluded.deleted,
        deleted_at = excluded.deleted_at, digest_hash = excluded.digest_hash, origin_client = excluded.origin_client,
        origin_mutation = excluded.origin_mutation, origin_first = excluded.origin_first, origin_base = excluded.origin_base)`];
  }

  #clockUpserts(): RawBuilder<unknown>[] {
    const rows = [...this.#writtenClocks].map((k) => {
      const [collection = '', key = ''] = k.split('\u0000');
      return { collection, key, clock: this.#slots.get(k)?.clock };
    }).filter((row): row is { collection: string; key: string; clock: ClockRow } => row.clock !== undefined);
    if (rows.length === 0) return [];
    return [sql`c AS (INSERT INTO record_clocks (scope, collection, key, version, writer, hlc, fields)
      SELECT ${this.scope}::text, * FROM json_to_recordset(${jsonParam(rows.map((r) => ({
        c: r.collection, k: r.key, n: r.clock.version, w: r.clock.writer, h: r.clock.hlc, f: JSON.stringify(r.clock.fields),
      })))}) AS x(c text, k text, n int8, w text, h text, f text)
      ON CONFLICT (scope, collection, key) DO UPDATE SET version = excluded.version, writer = excluded.writer, hlc = excluded.hlc, fields = excluded.fields)`];
  }

  #laneUpserts(): RawBuilder<unknown>[] {
    const collections = [...this.#touchedLanes];
    if (collections.length === 0) return [];
    const lanes = collections.map((c) => this.#lanes.get(c) ?? emptyLanes());
    return [sql`d AS (INSERT INTO digests (scope, collection, count, lane_a, lane_b)
      SELECT ${this.scope}::text, * FROM unnest(${collections}::text[], ${lanes.map((l) => l.count)}::int8[], ${lanes.map((l) => l.a)}::int8[], ${lanes.map((l) => l.b)}::int8[])
      ON CONFLICT (scope, collection) DO UPDATE SET count = excluded.count, lane_a = excluded.lane_a, lane_b = excluded.lane_b)`];
  }

  #auditInserts(): RawBuilder<unknown>[] {
    const rows = this.#conflicts;
    if (rows.length === 0) return [];
    const col = <T>(pick: (row: ConflictsTable) => T): T[] => rows.map(pick);
    return [
      sql`n AS (INSERT INTO counters (scope, name, value) VALUES (${this.scope}, ${AUDIT_COUNTER}, ${this.#conflictSeq})
        ON CONFLICT (scope, name) DO UPDATE SET value = excluded.value)`,
      sql`a AS (INSERT INTO conflicts (scope, seq, client_id, mutation_id, collection, key, op, strategy, resolution, detail, resolved_at)
        SELECT ${this.scope}::text, * FROM unnest(${col((r) => r.seq)}::int8[], ${col((r) => r.client_id)}::text[], ${col((r) => r.mutation_id)}::int8[],
          ${col((r) => r.collection)}::text[], ${col((r) => r.key)}::text[], ${col((r) => r.op)}::text[], ${col((r) => r.strategy)}::text[],
          ${col((r) => r.resolution)}::text[], ${col((r) => r.detail)}::text[], ${col((r) => r.resolved_at)}::int8[]))`,
    ];
  }
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
