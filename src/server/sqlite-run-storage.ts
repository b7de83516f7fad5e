/**
 * SQLITE-ONLY. The storage of one set-based run of generic writes (src/server/generic-run.ts) on a raw
 * push transaction (src/server/sqlite-raw.ts). better-sqlite3 runs in process, so a statement costs
 * no round trip: what the per-mutation path pays is the work around it (a savepoint and its release,
 * the handler's context, a read per write of state this run already holds). Here:
 *
 * - load: one prepared read per record (record joined with its clock on the primary key), the
 *   collections' digest lanes from the transaction's cache or the table, the conflict counter;
 * - in between, the run works in memory (src/server/generic-run-state.ts);
 * - flush: one prepared upsert per written record and clock, the audit rows; the lanes and the
 *   scope's version go to the transaction's write-behind cache, which writes them once before the
 *   commit (as every raw write of the slice does).
 */
import { AUDIT_COUNTER } from './conflicts/audit-storage.js';
import { RunState, type RowWithClock, type RunTarget } from './generic-run-state.js';
import type { RawTransaction } from './sqlite-raw.js';
import { toInt } from './schema.js';
import { UPSERT_RECORD_SQL } from './storage.js';
import type { DigestLanes } from '../protocol/digest.js';

const READ_RECORD_AND_CLOCK =
  'SELECT r.*, c.version AS c_version, c.writer AS c_writer, c.hlc AS c_hlc, c.fields AS c_fields FROM records r ' +
  'LEFT JOIN record_clocks c ON c.scope = r.scope AND c.collection = r.collection AND c.key = r.key ' +
  'WHERE r.scope = ? AND r.collection = ? AND r.key = ?';

const UPSERT_CLOCK =
  'INSERT INTO record_clocks (scope, collection, key, version, writer, hlc, fields) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
  'ON CONFLICT (scope, collection, key) DO UPDATE SET version = excluded.version, writer = excluded.writer, hlc = excluded.hlc, fields = excluded.fields';

export function loadSqliteRun(raw: RawTransaction, scope: string, version: number, targets: ReadonlyArray<RunTarget>): RunState {
  const unique = new Map(targets.map((t) => [`${t.collection}\u0000${t.key}`, t]));
  const rows: RowWithClock[] = [];
  for (const t of unique.values()) {
    const row = raw.get<RowWithClock>(READ_RECORD_AND_CLOCK, scope, t.collection, t.key);
    if (row !== undefined) rows.push(row);
  }
  const lanes = new Map<string, DigestLanes>();
  for (const collection of new Set(targets.map((t) => t.collection))) {
    const cached = raw.cachedLanes(scope, collection);
    if (cached !== undefined) {
      lanes.set(collection, cached);
      continue;
    }
    const stored = raw.get<{ count: number; lane_a: number; lane_b: number }>('SELECT count, lane_a, lane_b FROM digests WHERE scope = ? AND collection = ?', scope, collection);
    if (stored !== undefined) lanes.set(collection, { count: toInt(stored.count), a: toInt(stored.lane_a), b: toInt(stored.lane_b) });
  }
  const counter = raw.get<{ value: number }>('SELECT value FROM counters WHERE scope = ? AND name = ?', scope, AUDIT_COUNTER);
  return new RunState(scope, version, toInt(counter?.value), unique.values(), rows, lanes);
}

export function flushSqliteRun(raw: RawTransaction, state: RunState): void {
  const pending = state.pending();
  const scope = state.scope;
  for (const r of pending.records) {
    raw.run(UPSERT_RECORD_SQL, scope, r.collection, r.key, r.value, r.version, r.deleted, r.deleted_at, r.digest_hash, r.origin_client, r.origin_mutation, r.origin_first, r.origin_base);
  }
  for (const { collection, key, clock } of pending.clocks) {
    raw.run(UPSERT_CLOCK, scope, collection, key, clock.version, clock.writer, clock.hlc, JSON.stringify(clock.fields));
  }
  for (const { collection, lanes } of pending.lanes) raw.setLanes(scope, collection, lanes);
  if (pending.conflicts.length > 0) {
    raw.run('INSERT INTO counters (scope, name, value) VALUES (?, ?, ?) ON CONFLICT (scope, name) DO UPDATE SET value = excluded.value', scope, AUDIT_COUNTER, pending.conflictSeq);
    for (const c of pending.conflicts) {
      raw.run(
        'INSERT INTO conflicts (scope, seq, client_id, mutation_id, collection, key, op, strategy, resolution, detail, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        scope, c.seq, c.client_id, c.mutation_id, c.collection, c.key, c.op, c.strategy, c.resolution, c.detail, c.resolved_at,
      );
    }
  }
  if (pending.version !== undefined) raw.setVersion(scope, pending.version, true);
}
