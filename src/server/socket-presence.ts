/**
 * Which devices of a scope are connected over WebSocket (issue 11 item 2), and what each last
 * reported: its pull cursor, its outbox size and the age of its oldest pending mutation. A back office
 * sees which tills are online and how far behind each is. A socket becomes a peer with its first
 * `status` message (that is where its clientId comes from) and stops being one when it closes.
 * Changes to a scope's set are announced once per `debounceMs`, so a reconnect storm or chatty
 * statuses cost one `peers` message per socket per period, not one per event.
 *
 * Across instances: with a fan-out that carries presence (PostgreSQL's does), each instance also
 * lists the other instances' peers (fanout-presence.ts: heartbeats, expiry of a crashed instance's
 * peers); without one, each instance knows only its own sockets.
 */
import type { Logger } from '../core/seams.js';
import type { WirePeer } from '../transport/realtime-presence.js';
import type { PresenceFanout } from './fanout.js';
import { createSharedPresence, type SharedPresence, type SharedPresenceOptions } from './fanout-presence.js';

/**
 * One reporting socket of a scope, as the `peers` message lists it: the fields are those of the wire
 * shape (`socketPeers` in websocket-messages.ts), so server and client cannot drift apart.
 * `connectedAt` and `reportedAt` are the server's clock (ms); `oldestPendingAgeMs` is null with an
 * empty outbox.
 */
export type Peer = WirePeer;

export type PeerReport = Pick<Peer, 'clientId' | 'cursor' | 'pendingCount' | 'oldestPendingAgeMs'>;

export interface SocketPresence<K> {
  report(key: K, scope: string, connectedAt: number, status: PeerReport): void;
  leave(key: K): void;
  peers(scope: string): Peer[];
  close(): void;
}

export function createSocketPresence<K>(deps: {
  now(): number;
  debounceMs: number;
  announce(scope: string, peers: Peer[]): void;
  /** Share presence with other instances through this (see fanout-presence.ts). */
  fanout?: PresenceFanout | undefined;
  sharing?: SharedPresenceOptions | undefined;
  logger?: Logger;
}): SocketPresence<K> {
  const byScope = new Map<string, Map<K, Peer>>();
  const scopeOf = new Map<K, string>();
  /** Each socket's name towards other instances. */
  const keys = new Map<K, string>();
  let nextKey = 0;
  const pending = new Map<string, ReturnType<typeof setTimeout>>();
  let closed = false;

  const changed = (scope: string): void => {
    if (closed || pending.has(scope)) return;
    pending.set(scope, setTimeout(() => {
      pending.delete(scope);
      deps.announce(scope, list(scope));
    }, deps.debounceMs));
  };
  const list = (scope: string): Peer[] =>
    [...(byScope.get(scope)?.values() ?? []), ...(shared?.remote(scope) ?? [])].sort((a, b) => a.clientId.localeCompare(b.clientId) || a.connectedAt - b.connectedAt);
  const shared: SharedPresence | undefined = deps.fanout === undefined || deps.logger === undefined
    ? undefined
    : createSharedPresence({ fanout: deps.fanout, now: deps.now, changed, logger: deps.logger, ...(deps.sharing === undefined ? {} : { options: deps.sharing }) });

  return {
    report(key, scope, connectedAt, status) {
      const peers = byScope.get(scope) ?? new Map<K, Peer>();
      byScope.set(scope, peers);
      scopeOf.set(key, scope);
      const peer = { ...status, connectedAt, reportedAt: deps.now() };
      peers.set(key, peer);
      if (!keys.has(key)) keys.set(key, String(++nextKey));
      shared?.local(scope, keys.get(key) ?? '', peer);
      changed(scope);
    },
    leave(key) {
      const scope = scopeOf.get(key);
      if (scope === undefined) return;
      scopeOf.delete(key);
      const peers = byScope.get(scope);
      peers?.delete(key);
      if (peers?.size === 0) byScope.delete(scope);
      shared?.local(scope, keys.get(key) ?? '', null);
      keys.delete(key);
      changed(scope);
    },
    peers: list,
    close() {
      closed = true;
      shared?.close();
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
    },
  };
}
