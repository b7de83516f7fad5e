/**
 * What the console shows, read from the server's own tables: scopes and their versions, the devices
 * (client ids) of each scope with how far the server has applied their writes and whether one of
 * their mutations keeps failing, the newest conflicts with both sides and the resolution, and the
 * dead letters. Plain reads, no locks: the console is a view, a moment stale at worst.
 */
import type { Kysely } from 'kysely';
import type { ConflictRecord } from '../../protocol/wire-conflicts.js';
import { conflictFromRow } from '../conflicts/audit-storage.js';
import { listDeadLetters } from '../dead-letters/storage.js';
import type { DeadLetter } from '../dead-letters/types.js';
import { toInt, type ServerDatabase } from '../schema.js';
import type { WriteRateSeries } from './write-rate.js';

export interface ConsoleDevice {
  clientId: string;
  /** The last mutation id the server applied (or rejected) from this device. */
  lastMutationId: number;
  /** A mutation of this device whose handler keeps failing, with its attempts so far. */
  failing?: { mutationId: number; attempts: number; since: number };
  /** What the device reports about itself while connected (presence); absent when it never did. */
  online?: boolean;
  cursor?: number;
  pending?: number;
  oldestPendingMs?: number;
}

export interface ConsoleScope {
  scope: string;
  version: number;
  devices: ConsoleDevice[];
  /** Writes (scope versions) per minute over the sampled window, oldest first. */
  writeRate: WriteRateSeries;
}

export interface ConsoleState {
  at: number;
  scopes: ConsoleScope[];
  conflicts: Array<ConflictRecord & { scope: string }>;
  deadLetters: DeadLetter[];
}

const MAX_SCOPES = 100;
const MAX_DEVICES = 200;
const MAX_CONFLICTS = 50;

export async function readConsoleState(db: Kysely<ServerDatabase>, rates: (scope: string) => WriteRateSeries, now: number): Promise<ConsoleState> {
  const scopes = await db.selectFrom('scopes').select(['scope', 'version']).orderBy('scope').limit(MAX_SCOPES).execute();
  const names = scopes.map((s) => s.scope);
  const clients = names.length === 0 ? [] : await db.selectFrom('clients').selectAll().where('scope', 'in', names).orderBy('client_id').limit(MAX_DEVICES * MAX_SCOPES).execute();
  const conflictRows = await db.selectFrom('conflicts').selectAll().orderBy('resolved_at', 'desc').limit(MAX_CONFLICTS).execute();
  return {
    at: now,
    scopes: scopes.map((s) => ({
      scope: s.scope,
      version: toInt(s.version),
      devices: clients
        .filter((c) => c.scope === s.scope)
        .slice(0, MAX_DEVICES)
        .map((c) => ({
          clientId: c.client_id,
          lastMutationId: toInt(c.last_mutation_id),
          ...(c.failing_mutation_id === null ? {} : { failing: { mutationId: toInt(c.failing_mutation_id), attempts: toInt(c.failing_attempts), since: toInt(c.failing_since) } }),
        })),
      writeRate: rates(s.scope),
    })),
    conflicts: conflictRows.map((row) => ({ scope: row.scope, ...conflictFromRow(row) })),
    deadLetters: await listDeadLetters(db, { status: 'all', limit: 100 }),
  };
}
