/**
 * Presence shared between server instances on one database: each instance announces its own
 * reporting sockets through the fan-out and keeps the others' in memory, so `server.peers(scope)` and
 * the `peers` messages list a till connected to any instance.
 *
 *   own peer reported / left ──▶ `peer` message (scope, key, peer or null) to the other instances
 *   every heartbeatMs ─────────▶ all own peers again (a refresh); others' entries not refreshed
 *                                within ttlMs are dropped — a crashed instance's peers expire
 *   (re)connected to the fan-out ─▶ `hello`: every instance re-announces its peers at once, so a
 *                                new or reconnected instance does not wait a heartbeat to see them
 *   close() ───────────────────▶ `bye`: the others drop this instance's peers at once
 *
 * Expiry is measured on the receiver's clock from when a message arrived, so instances need not
 * agree on the time. Entries are bounded (`MAX_REMOTE_PEERS`): a misbehaving instance cannot grow
 * another's memory without bound.
 */
import type { Logger } from '../core/seams.js';
import type { PresenceFanout, PresenceMessage } from './fanout.js';
import type { Peer } from './socket-presence.js';

export interface SharedPresenceOptions {
  /** How often own peers are re-announced, ms. Default 10 000. */
  heartbeatMs?: number;
  /** Another instance's peer not refreshed for this long is dropped, ms. Default 3 × heartbeatMs. */
  ttlMs?: number;
}

export interface SharedPresence {
  /** One of this instance's sockets reported (peer) or left (null). */
  local(scope: string, key: string, peer: Peer | null): void;
  /** Other instances' peers of the scope. */
  remote(scope: string): Peer[];
  close(): void;
}

/** Most peers of other instances held at once. */
export const MAX_REMOTE_PEERS = 10_000;

interface RemoteEntry {
  scope: string;
  peer: Peer;
  expiresAt: number;
}

export function createSharedPresence(deps: {
  fanout: PresenceFanout;
  now(): number;
  /** The scope's combined list changed because of another instance. */
  changed(scope: string): void;
  logger: Logger;
  options?: SharedPresenceOptions;
}): SharedPresence {
  const heartbeatMs = deps.options?.heartbeatMs ?? 10_000;
  const ttlMs = deps.options?.ttlMs ?? heartbeatMs * 3;
  const own = new Map<string, { scope: string; peer: Peer }>();
  /** `${origin} ${key}` → entry. */
  const others = new Map<string, RemoteEntry>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let warnedFull = false;
  let closed = false;

  const announceAll = (): void => {
    if (own.size > 0) deps.fanout.send([...own].map(([key, { scope, peer }]) => ({ type: 'peer', scope, key, peer })));
  };

  const dropWhere = (match: (id: string, entry: RemoteEntry) => boolean): void => {
    const scopes = new Set<string>();
    for (const [id, entry] of others) {
      if (!match(id, entry)) continue;
      others.delete(id);
      scopes.add(entry.scope);
    }
    for (const scope of scopes) deps.changed(scope);
    idle();
  };

  const tick = (): void => {
    announceAll();
    const now = deps.now();
    dropWhere((_, entry) => entry.expiresAt <= now);
  };

  // One timer, held only while there is something to refresh or to expire, so an idle server has none.
  const busy = (): void => {
    if (timer !== undefined || closed) return;
    timer = setInterval(tick, heartbeatMs);
    timer.unref?.();
  };
  const idle = (): void => {
    if (own.size > 0 || others.size > 0 || timer === undefined) return;
    clearInterval(timer);
    timer = undefined;
  };

  const receive = (origin: string, message: PresenceMessage): void => {
    if (closed) return;
    if (message.type === 'hello') return announceAll();
    if (message.type === 'bye') return dropWhere((id) => id.startsWith(`${origin} `));
    const id = `${origin} ${message.key}`;
    if (message.peer === null) return dropWhere((other) => other === id);
    if (!others.has(id) && others.size >= MAX_REMOTE_PEERS) {
      if (!warnedFull) deps.logger.warn('server: ignoring peers of other instances beyond the bound', { maxRemotePeers: MAX_REMOTE_PEERS });
      warnedFull = true;
      return;
    }
    const before = others.get(id);
    others.set(id, { scope: message.scope, peer: message.peer, expiresAt: deps.now() + ttlMs });
    busy();
    // A refresh that repeats what is known changes nothing for the sockets listening.
    if (before === undefined || before.scope !== message.scope || JSON.stringify(before.peer) !== JSON.stringify(message.peer)) deps.changed(message.scope);
  };

  const stopListening = deps.fanout.listen(receive, () => {
    // (Re)connected: ask the others for their peers, and tell them ours (they may have expired them).
    deps.fanout.send([{ type: 'hello' }]);
    announceAll();
  });

  return {
    local(scope, key, peer) {
      if (closed) return;
      if (peer === null) own.delete(key);
      else own.set(key, { scope, peer });
      deps.fanout.send([{ type: 'peer', scope, key, peer }]);
      if (peer === null) idle();
      else busy();
    },
    remote(scope) {
      const now = deps.now();
      return [...others.values()].filter((e) => e.scope === scope && e.expiresAt > now).map((e) => e.peer);
    },
    close() {
      if (closed) return;
      deps.fanout.send([{ type: 'bye' }]);
      closed = true;
      stopListening();
      clearInterval(timer);
      timer = undefined;
      own.clear();
      others.clear();
    },
  };
}
