/** The audit trail (`conflicts` table): one row per conflict and its resolution, listed per scope. */
import type { Kysely } from 'kysely';
import { conflictRecord, type ConflictRecord } from '../../protocol/wire-conflicts.js';
import { incrementCounter } from '../storage.js';
import { toInt, type ServerDatabase } from '../schema.js';
import type { ConflictsTable } from './schema.js';

type Db = Kysely<ServerDatabase>;

/** Per-scope counter that numbers audit entries; it rolls back with the transaction, so ids stay gap-free. */
export const AUDIT_COUNTER = 'syncline.conflicts';

/** Columns kept apart from the JSON detail, so the list can be filtered and read cheaply. */
const COLUMNS = ['seq', 'clientId', 'mutationId', 'collection', 'key', 'op', 'strategy', 'resolution', 'resolvedAt'] as const;

/** Append an entry; returns its seq. */
export async function appendConflict(db: Db, scope: string, entry: Omit<ConflictRecord, 'seq'>): Promise<number> {
  const seq = await incrementCounter(db, scope, AUDIT_COUNTER);
  await db.insertInto('conflicts').values(conflictRow(scope, seq, entry)).execute();
  return seq;
}

/** The `conflicts` row of an entry (also written in bulk by src/server/postgres-run-storage.ts). */
export function conflictRow(scope: string, seq: number, entry: Omit<ConflictRecord, 'seq'>): ConflictsTable {
  const detail: Record<string, unknown> = { ...entry };
  for (const column of COLUMNS) delete detail[column];
  return {
    scope,
    seq,
    client_id: entry.clientId,
    mutation_id: entry.mutationId,
    collection: entry.collection,
    key: entry.key,
    op: entry.op,
    strategy: entry.strategy,
    resolution: entry.resolution,
    detail: JSON.stringify(detail),
    resolved_at: entry.resolvedAt,
  };
}

/** Entries of a scope with seq > after, oldest first; one more than `limit` is read to tell hasMore. */
export async function listConflicts(db: Db, scope: string, after: number, limit: number): Promise<{ conflicts: ConflictRecord[]; hasMore: boolean }> {
  const rows = await db
    .selectFrom('conflicts')
    .selectAll()
    .where('scope', '=', scope)
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(limit + 1)
    .execute();
  return { conflicts: rows.slice(0, limit).map(conflictFromRow), hasMore: rows.length > limit };
}

/** An audit entry from its `conflicts` row (validated: the detail column is stored JSON). */
export function conflictFromRow(row: ConflictsTable): ConflictRecord {
  return conflictRecord.parse({
    ...(JSON.parse(row.detail) as object),
    seq: toInt(row.seq),
    clientId: row.client_id,
    mutationId: toInt(row.mutation_id),
    collection: row.collection,
    key: row.key,
    op: row.op,
    strategy: row.strategy,
    resolution: row.resolution,
    resolvedAt: toInt(row.resolved_at),
  });
}
