/**
 * What the console knows of a device beyond the server's tables: its WebSocket presence reports
 * (`server.peers(scope)`: cursor, outbox backlog, oldest pending age). Reports are read
 * defensively — the presence shape is another module's and may gain or rename fields — and the last
 * one per device is remembered (bounded, per instance), so a device that went offline still shows
 * when it was last seen and what it last reported.
 */

export interface PresenceReport {
  clientId: string;
  cursor?: number;
  pending?: number;
  /** ms; null when the device reported an empty outbox. */
  oldestPendingMs?: number | null;
  /** When the device last reported (server clock, ms). */
  reportedAt: number;
}

const MAX_REMEMBERED = 5000;

/** One `server.peers()` entry as the console needs it, or undefined when it has no usable client id. */
export function readPeer(raw: unknown, now: number): PresenceReport | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const peer = raw as Record<string, unknown>;
  const clientId = peer['clientId'];
  if (typeof clientId !== 'string' || clientId === '') return undefined;
  const report: PresenceReport = { clientId, reportedAt: count(peer['reportedAt']) ?? now };
  const cursor = count(peer['cursor']);
  if (cursor !== undefined) report.cursor = cursor;
  const pending = count(peer['pendingCount']) ?? count(peer['pending']);
  if (pending !== undefined) report.pending = pending;
  const age = peer['oldestPendingAgeMs'];
  if (age === null) report.oldestPendingMs = null;
  else if (count(age) !== undefined) report.oldestPendingMs = count(age) as number;
  return report;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The last report of every device this instance has seen, by scope. */
export class PresenceMemory {
  readonly #last = new Map<string, { scope: string; report: PresenceReport }>();

  /** The devices online in `scope` now; remembers their reports. */
  online(scope: string, peers: readonly unknown[], now: number): Map<string, PresenceReport> {
    const online = new Map<string, PresenceReport>();
    for (const raw of peers) {
      const report = readPeer(raw, now);
      if (report === undefined) continue;
      // One device may hold two sockets for a moment (a reconnect): the newest report speaks for it.
      const known = online.get(report.clientId);
      if (known === undefined || known.reportedAt <= report.reportedAt) online.set(report.clientId, report);
    }
    for (const [clientId, report] of online) {
      this.#last.delete(clientId);
      this.#last.set(clientId, { scope, report });
    }
    while (this.#last.size > MAX_REMEMBERED) {
      const oldest = this.#last.keys().next().value;
      if (oldest === undefined) break;
      this.#last.delete(oldest);
    }
    return online;
  }

  /** Devices of `scope` seen earlier by this instance, with their last report. */
  remembered(scope: string): PresenceReport[] {
    return [...this.#last.values()].filter((entry) => entry.scope === scope).map((entry) => entry.report);
  }
}
