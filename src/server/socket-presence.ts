/**
 * Which devices of a scope are connected over WebSocket (issue 11 item 2), and what each last
 * reported: its pull cursor, its outbox size and the age of its oldest pending mutation. A back office
 * sees which tills are online and how far behind each is. A socket becomes a peer with its first
 * `status` message (that is where its clientId comes from) and stops being one when it closes.
 * Changes to a scope's set are announced once per `debounceMs`, so a reconnect storm or chatty
 * statuses cost one `peers` message per socket per period, not one per event.
 *
 * Per instance: with several instances behind a load balancer each knows only its own sockets
 * (presence is not shared through the fanout yet).
 */
export interface Peer {
  clientId: string;
  /** When this socket opened (server clock, ms). */
  connectedAt: number;
  cursor: number;
  pendingCount: number;
  /** Age of the oldest pending mutation when reported, ms; null with an empty outbox. */
  oldestPendingAgeMs: number | null;
  /** When the peer last reported (server clock, ms). */
  reportedAt: number;
}

export type PeerReport = Pick<Peer, 'clientId' | 'cursor' | 'pendingCount' | 'oldestPendingAgeMs'>;

export interface SocketPresence<K> {
  report(key: K, scope: string, connectedAt: number, status: PeerReport): void;
  leave(key: K): void;
  peers(scope: string): Peer[];
  close(): void;
}

export function createSocketPresence<K>(deps: { now(): number; debounceMs: number; announce(scope: string, peers: Peer[]): void }): SocketPresence<K> {
  const byScope = new Map<string, Map<K, Peer>>();
  const scopeOf = new Map<K, string>();
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
    [...(byScope.get(scope)?.values() ?? [])].sort((a, b) => a.clientId.localeCompare(b.clientId) || a.connectedAt - b.connectedAt);

  return {
    report(key, scope, connectedAt, status) {
      const peers = byScope.get(scope) ?? new Map<K, Peer>();
      byScope.set(scope, peers);
      scopeOf.set(key, scope);
      peers.set(key, { ...status, connectedAt, reportedAt: deps.now() });
      changed(scope);
    },
    leave(key) {
      const scope = scopeOf.get(key);
      if (scope === undefined) return;
      scopeOf.delete(key);
      const peers = byScope.get(scope);
      peers?.delete(key);
      if (peers?.size === 0) byScope.delete(scope);
      changed(scope);
    },
    peers: list,
    close() {
      closed = true;
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
    },
  };
}
