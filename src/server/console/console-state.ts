/**
 * What the console shows, read from the server's own tables: scopes and their versions, the devices
 * (client ids) of each scope with how far the server has applied their writes and whether one of
 * their mutations keeps failing, the newest conflicts with both sides and the resolution, and the
 * dead letters, and the effect / webhook deliveries. Device presence (online now, backlog, cursor) is
 * merged in from `server.peers(scope)` (device-presence.ts). Plain reads, no locks: the console is a
 * view, a moment stale at worst.
 */
import type { Kysely, Selectable } from 'kysely';
import type { ConflictRecord } from '../../protocol/wire-conflicts.js';
import { conflictFromRow } from '../conflicts/audit-storage.js';
import { listDeadLetters } from '../dead-letters/storage.js';
import type { DeadLetter } from '../dead-letters/types.js';
import { toInt, type ClientsTable, type ServerDatabase } from '../schema.js';
import type { DeliveriesView } from './console-deliveries.js';
import type { PresenceReport } from './device-presence.js';
import type { SyncLagSeries } from './sync-lag.js';
import type { WriteRateSeries } from './write-rate.js';

export interface ConsoleDevice {
  clientId: string;
  /** The last mutation id the server applied (or rejected) from this device. */
  lastMutationId: number;
  /** A mutation of this device whose handler keeps failing, with its attempts so far. */
  failing?: { mutationId: number; attempts: number; since: number };
  /** Connected over WebSocket to this instance now (it reported its status). */
  online: boolean;
  /** When it last reported its status to this instance (absent: never, since this instance started). */
  lastSeenAt?: number;
  /** Its pull cursor, outbox backlog and oldest pending age (ms; null: empty outbox), as last reported. */
  cursor?: number;
  pending?: number;
  oldestPendingMs?: number | null;
}

export interface ConsoleScope {
  scope: string;
  version: number;
  devices: ConsoleDevice[];
  /** Writes (scope versions) per minute over the sampled window, oldest first. */
  writeRate: WriteRateSeries;
  /** Oldest pending write age reported by connected devices, per minute (sync-lag.ts says why this). */
  syncLag: SyncLagSeries;
}

export interface ConsoleState {
  at: number;
  scopes: ConsoleScope[];
  conflicts: Array<ConflictRecord & { scope: string }>;
  deadLetters: DeadLetter[];
  deliveries: DeliveriesView;
}

/** What the console reads besides the database. */
export interface ConsoleViews {
  rates(scope: string): WriteRateSeries;
  lag(scope: string): SyncLagSeries;
  /** Devices online in `scope` now, and every device of it this instance has seen report. */
  presence(scope: string): { online: Map<string, PresenceReport>; remembered: PresenceReport[] };
  deliveries(): Promise<DeliveriesView>;
}

const MAX_SCOPES = 100;
const MAX_DEVICES = 200;
const MAX_CONFLICTS = 50;

export async function readConsoleState(db: Kysely<ServerDatabase>, views: ConsoleViews, now: number): Promise<ConsoleState> {
  const scopes = await db.selectFrom('scopes').select(['scope', 'version']).orderBy('scope').limit(MAX_SCOPES).execute();
  const names = scopes.map((s) => s.scope);
  const clients = names.length === 0 ? [] : await db.selectFrom('clients').selectAll().where('scope', 'in', names).orderBy('client_id').limit(MAX_DEVICES * MAX_SCOPES).execute();
  const conflictRows = await db.selectFrom('conflicts').selectAll().orderBy('resolved_at', 'desc').limit(MAX_CONFLICTS).execute();
  return {
    at: now,
    scopes: scopes.map((s) => ({
      scope: s.scope,
      version: toInt(s.version),
      devices: mergeDevices(clients.filter((c) => c.scope === s.scope).slice(0, MAX_DEVICES), views.presence(s.scope)),
      writeRate: views.rates(s.scope),
      syncLag: views.lag(s.scope),
    })),
    conflicts: conflictRows.map((row) => ({ scope: row.scope, ...conflictFromRow(row) })),
    deadLetters: await listDeadLetters(db, { status: 'all', limit: 100 }),
    deliveries: await views.deliveries(),
  };
}

/**
 * The scope's devices from the clients table, with their presence; a device connected but not yet
 * pushing (no row) is listed too. Online ones first: those are the ones an operator acts on.
 */
function mergeDevices(rows: Array<Selectable<ClientsTable>>, presence: ReturnType<ConsoleViews['presence']>): ConsoleDevice[] {
  const reports = new Map(presence.remembered.map((r) => [r.clientId, r]));
  for (const [id, r] of presence.online) reports.set(id, r);
  const devices: ConsoleDevice[] = rows.map((c) => ({
    clientId: c.client_id,
    lastMutationId: toInt(c.last_mutation_id),
    ...(c.failing_mutation_id === null ? {} : { failing: { mutationId: toInt(c.failing_mutation_id), attempts: toInt(c.failing_attempts), since: toInt(c.failing_since) } }),
    ...withPresence(reports.get(c.client_id), presence.online.has(c.client_id)),
  }));
  const known = new Set(rows.map((c) => c.client_id));
  for (const [id, report] of reports) {
    if (!known.has(id) && devices.length < MAX_DEVICES) devices.push({ clientId: id, lastMutationId: 0, ...withPresence(report, presence.online.has(id)) });
  }
  return devices.sort((a, b) => Number(b.online) - Number(a.online) || a.clientId.localeCompare(b.clientId));
}

function withPresence(report: PresenceReport | undefined, online: boolean): Pick<ConsoleDevice, 'online' | 'lastSeenAt' | 'cursor' | 'pending' | 'oldestPendingMs'> {
  if (report === undefined) return { online: false };
  return {
    online,
    lastSeenAt: report.reportedAt,
    ...(report.cursor === undefined ? {} : { cursor: report.cursor }),
    ...(report.pending === undefined ? {} : { pending: report.pending }),
    ...(report.oldestPendingMs === undefined ? {} : { oldestPendingMs: report.oldestPendingMs }),
  };
}
