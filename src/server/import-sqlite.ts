/**
 * SQLITE-ONLY. An import batch as prepared better-sqlite3 statements, run synchronously inside the
 * transaction import-batch.ts opened (kysely's one SQLite connection is held by it, so nothing else
 * interleaves). Compiling a kysely query per record would cost more than SQLite running it; this is
 * the same trade as the push hot path (sqlite-raw.ts), with statements of its own.
 */
import type Database from 'better-sqlite3';
import { addHash, emptyLanes, hashHex, recordHash, type DigestLanes } from '../protocol/digest.js';
import { liveContribution } from './digest-storage.js';
import type { RecordRow } from './schema.js';
import { ImportConflictError } from './import-types.js';
import { lastWritePerKey, type BatchCommitted, type BatchPlan, type CheckpointRow } from './import-plan.js';

type OldRow = Pick<RecordRow, 'collection' | 'key' | 'value' | 'version' | 'deleted' | 'digest_hash'>;

interface Statements {
  ensureScope: Database.Statement;
  lockScope: Database.Statement;
  readCheckpoint: Database.Statement;
  readRecord: Database.Statement;
  insertRecord: Database.Statement;
  updateRecord: Database.Statement;
  readLanes: Database.Statement;
  writeLanes: Database.Statement;
  setVersion: Database.Statement;
  saveCheckpoint: Database.Statement;
}

const prepared = new WeakMap<Database.Database, Statements>();

function statements(sqlite: Database.Database): Statements {
  let found = prepared.get(sqlite);
  if (found === undefined) {
    found = {
      ensureScope: sqlite.prepare('INSERT INTO scopes (scope, version) VALUES (?, 0) ON CONFLICT (scope) DO NOTHING'),
      lockScope: sqlite.prepare('UPDATE scopes SET version = version WHERE scope = ? RETURNING version'),
      readCheckpoint: sqlite.prepare('SELECT position, records, invalid FROM imports WHERE scope = ? AND import_id = ?'),
      readRecord: sqlite.prepare('SELECT collection, key, value, version, deleted, digest_hash FROM records WHERE scope = ? AND collection = ? AND key = ?'),
      // Insert first: a new key (the common case of an import) then costs one statement, not a read and a write.
      insertRecord: sqlite.prepare(
        'INSERT INTO records (scope, collection, key, value, version, deleted, deleted_at, digest_hash, origin_client, origin_mutation, origin_first, origin_base) ' +
          'VALUES (?, ?, ?, ?, ?, 0, NULL, ?, NULL, NULL, NULL, NULL) ON CONFLICT (scope, collection, key) DO NOTHING',
      ),
      // Every column a write sets: a live value, no tombstone time, its digest, no origin (not a client's write).
      updateRecord: sqlite.prepare(
        'UPDATE records SET value = ?, version = ?, deleted = 0, deleted_at = NULL, digest_hash = ?, origin_client = NULL, origin_mutation = NULL, ' +
          'origin_first = NULL, origin_base = NULL WHERE scope = ? AND collection = ? AND key = ?',
      ),
      readLanes: sqlite.prepare('SELECT count, lane_a, lane_b FROM digests WHERE scope = ? AND collection = ?'),
      writeLanes: sqlite.prepare(
        'INSERT INTO digests (scope, collection, count, lane_a, lane_b) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (scope, collection) DO UPDATE SET count = excluded.count, lane_a = excluded.lane_a, lane_b = excluded.lane_b',
      ),
      setVersion: sqlite.prepare('UPDATE scopes SET version = ? WHERE scope = ?'),
      saveCheckpoint: sqlite.prepare(
        'INSERT INTO imports (scope, import_id, position, records, invalid, started_at, updated_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (scope, import_id) DO UPDATE SET position = excluded.position, records = excluded.records, invalid = excluded.invalid, ' +
          'updated_at = excluded.updated_at, finished_at = excluded.finished_at',
      ),
    };
    prepared.set(sqlite, found);
  }
  return found;
}

export function writeBatchRaw(sqlite: Database.Database, plan: BatchPlan): BatchCommitted {
  const s = statements(sqlite);
  const { scope } = plan;
  // The first statement writes, so the transaction takes SQLite's write lock here (waiting out busy_timeout).
  s.ensureScope.run(scope);
  const versionBefore = (s.lockScope.get(scope) as { version: number }).version;
  const found = s.readCheckpoint.get(scope, plan.importId) as CheckpointRow | undefined;
  if ((found?.position ?? 0) !== plan.from) throw new ImportConflictError(plan.importId, plan.from, found?.position ?? 0);
  const lanes = new Map<string, DigestLanes>();
  let version = versionBefore;
  const records = lastWritePerKey(plan.records);
  for (const record of records) {
    version += 1;
    const after = recordHash(record.collection, record.key, version, record.value);
    const value = JSON.stringify(record.value);
    const hex = hashHex(after);
    let collectionLanes = lanes.get(record.collection) ?? readLanes(s, scope, record.collection);
    if (s.insertRecord.run(scope, record.collection, record.key, value, version, hex).changes === 0) {
      // The key exists (live or a tombstone): take its old contribution out, then overwrite it.
      const before = liveContribution(s.readRecord.get(scope, record.collection, record.key) as OldRow | undefined);
      if (before !== undefined) collectionLanes = addHash(collectionLanes, before, -1);
      s.updateRecord.run(value, version, hex, scope, record.collection, record.key);
    }
    lanes.set(record.collection, addHash(collectionLanes, after, 1));
  }
  for (const [collection, value] of lanes) s.writeLanes.run(scope, collection, value.count, value.a, value.b);
  if (version !== versionBefore) s.setVersion.run(version, scope);
  const checkpoint = {
    position: plan.to,
    records: (found?.records ?? 0) + records.length,
    invalid: (found?.invalid ?? 0) + plan.invalid,
  };
  s.saveCheckpoint.run(scope, plan.importId, checkpoint.position, checkpoint.records, checkpoint.invalid, plan.now, plan.now, plan.finished ? plan.now : null);
  return { versionBefore, version, checkpoint };
}

function readLanes(s: Statements, scope: string, collection: string): DigestLanes {
  const row = s.readLanes.get(scope, collection) as { count: number; lane_a: number; lane_b: number } | undefined;
  return row === undefined ? emptyLanes() : { count: row.count, a: row.lane_a, b: row.lane_b };
}
