/**
 * Presence on the client's side of the WebSocket channel (issue 11 item 2): this client reports its
 * status (clientId, cursor, outbox backlog, age of its oldest pending write) and keeps the scope's
 * peer list the server sends back, so a back office can show which tills are online and how far
 * behind each one is.
 *
 *   detached ──connected(send)──▶ reporting: status now; then at most once per minIntervalMs when
 *      ▲                            cursor/backlog changed, and at each heartbeat while a backlog
 *      │                            waits (its age grows) · `peers` messages → peers(), listeners
 *      └────────disconnected()──── peers() is undefined again (presence unknown, not "nobody")
 *
 * Opt-in (`presence: true` on the channel): a reporting socket tells every other reporting device of
 * its scope its clientId, cursor and backlog, and it receives the scope's whole peer list on every
 * change. A till that nobody watches should not pay for either. Over SSE or interval pulls there is
 * no presence at all, and `peers()` says so with `undefined` rather than an empty list.
 */
import type { Timers } from '../core/seams.js';
import type { Infer } from '../protocol/shape.js';
import type { socketPeers } from './websocket-messages.js';

/** What this client reports about itself. */
export interface PresenceStatus {
  clientId: string;
  /** The pull cursor: the server version this client's confirmed state corresponds to. */
  cursor: number;
  /** Mutations waiting for the server's outcome. */
  backlog: number;
  /** Age of the oldest of them, ms; null with an empty backlog. */
  oldestPendingAgeMs: number | null;
}

/** One device of the scope, as this client last heard of it. */
export interface PeerInfo {
  clientId: string;
  /** Connected to the server (over WebSocket, reporting) when the last peer list came. */
  online: boolean;
  /** This client itself (the server lists every reporting device, this one included). */
  self: boolean;
  cursor: number;
  backlog: number;
  /** As the peer last reported it; null when its backlog was empty. */
  oldestPendingAgeMs: number | null;
  /** When this client last saw the peer listed as online (this client's clock, ms). */
  lastSeen: number;
  /** When the peer last sent a status (the server's clock, ms). */
  reportedAt: number;
  /** When the peer's socket opened (the server's clock, ms). */
  connectedAt: number;
}

/**
 * A peer entry as the server's `peers` message carries it: the element type of that message's wire
 * shape (websocket-messages.ts), so the shape that validates it is the one definition of its fields.
 */
export type WirePeer = Infer<typeof socketPeers>['peers'][number];

export interface PresenceOptions {
  /** Fewest ms between two status messages. Default 1000. */
  minIntervalMs?: number;
}

/**
 * What a realtime channel with presence offers its client. Contract: `attach` is called once by the
 * client that owns the channel; `read` must not throw for long (a failed read skips one report);
 * `peers()` is undefined while no socket session is up or before its first peer list.
 */
export interface PresenceLink {
  attach(read: () => Promise<PresenceStatus>): () => void;
  /** This client's status may have changed: report it (rate-bounded; unchanged statuses are not sent). */
  changed(): void;
  peers(): PeerInfo[] | undefined;
  subscribe(listener: (peers: PeerInfo[] | undefined) => void): () => void;
}

/** The socket session's half: the websocket source drives these. */
export interface PresenceSession extends PresenceLink {
  connected(send: (status: PresenceStatus) => void): void;
  received(peers: readonly WirePeer[]): void;
  /** A heartbeat period passed: refresh the report while a backlog ages. */
  heartbeat(): void;
  disconnected(): void;
}

/** Offline peers remembered at most (the oldest-seen are forgotten first). */
const MAX_REMEMBERED_OFFLINE = 200;

export function createPresenceSession(timers: Timers, options: PresenceOptions = {}): PresenceSession {
  const minIntervalMs = options.minIntervalMs ?? 1000;
  const listeners = new Set<(peers: PeerInfo[] | undefined) => void>();
  let read: (() => Promise<PresenceStatus>) | undefined;
  let send: ((status: PresenceStatus) => void) | undefined;
  /** Bumped on every (dis)connect, so a report read for an old session is not sent on a new one. */
  let session = 0;
  let lastSent: PresenceStatus | undefined;
  let lastSentAt = -Infinity;
  let timer: unknown;
  let force = false;
  let known: Map<string, PeerInfo> | undefined;
  let remembered = new Map<string, PeerInfo>();

  const notify = (): void => {
    const view = list();
    for (const listener of [...listeners]) {
      try {
        listener(view);
      } catch {
        // A failing listener must not stop the others.
      }
    }
  };
  const list = (): PeerInfo[] | undefined =>
    known === undefined ? undefined : [...known.values()].sort((a, b) => Number(b.online) - Number(a.online) || a.clientId.localeCompare(b.clientId));

  const report = async (): Promise<void> => {
    const mine = session;
    if (read === undefined || send === undefined) return;
    let status: PresenceStatus;
    try {
      status = await read();
    } catch {
      return; // the store is closing; the next change reports again
    }
    if (mine !== session || send === undefined) return;
    const same = lastSent !== undefined && lastSent.cursor === status.cursor && lastSent.backlog === status.backlog && lastSent.clientId === status.clientId;
    if (same && !force) return;
    force = false;
    lastSent = status;
    lastSentAt = timers.now();
    send(status);
  };

  const schedule = (): void => {
    if (send === undefined || read === undefined || timer !== undefined) return;
    const delay = Math.max(0, lastSentAt + minIntervalMs - timers.now());
    timer = timers.setTimeout(() => {
      timer = undefined;
      void report();
    }, delay);
  };

  return {
    attach(reader) {
      read = reader;
      schedule();
      return () => {
        read = undefined;
        timers.clearTimeout(timer);
        timer = undefined;
      };
    },
    changed: schedule,
    peers: list,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    connected(sender) {
      session += 1;
      send = sender;
      force = true; // a new socket is no peer until it reports
      lastSentAt = -Infinity;
      timers.clearTimeout(timer);
      timer = undefined;
      schedule();
    },
    received(peers) {
      const now = timers.now();
      const next = new Map<string, PeerInfo>();
      for (const peer of peers) {
        const earlier = next.get(peer.clientId);
        // Two sockets of one clientId (two tabs of one database): the latest report wins.
        if (earlier !== undefined && earlier.reportedAt > peer.reportedAt) continue;
        next.set(peer.clientId, {
          clientId: peer.clientId,
          online: true,
          self: peer.clientId === lastSent?.clientId,
          cursor: peer.cursor,
          backlog: peer.pendingCount,
          oldestPendingAgeMs: peer.oldestPendingAgeMs,
          lastSeen: now,
          reportedAt: peer.reportedAt,
          connectedAt: peer.connectedAt,
        });
      }
      for (const [id, peer] of known ?? remembered) if (!next.has(id)) remembered.set(id, { ...peer, online: false });
      for (const id of next.keys()) remembered.delete(id);
      if (remembered.size > MAX_REMEMBERED_OFFLINE) {
        remembered = new Map([...remembered].sort(([, a], [, b]) => b.lastSeen - a.lastSeen).slice(0, MAX_REMEMBERED_OFFLINE));
      }
      known = new Map([...next, ...remembered]);
      notify();
    },
    heartbeat() {
      if (lastSent !== undefined && lastSent.backlog > 0) {
        force = true;
        schedule();
      }
    },
    disconnected() {
      session += 1;
      send = undefined;
      timers.clearTimeout(timer);
      timer = undefined;
      if (known === undefined) return;
      for (const [id, peer] of known) if (peer.online) remembered.set(id, { ...peer, online: false });
      known = undefined;
      notify();
    },
  };
}
