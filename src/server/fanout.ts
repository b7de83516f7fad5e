/**
 * The internal "scope changed" event and the seam that carries it between server instances.
 *
 * A change event is a *hint* ("scope X has committed changes up to at least version V"), never data:
 * whoever reacts to it pulls. So delivery may be late, coalesced (only the highest version of a burst
 * arrives) or, across instances, lost while the connection that carries it is down; it never names a
 * version that has not committed.
 */
import type { Logger } from '../core/seams.js';
import type { Peer } from './socket-presence.js';

export interface ScopeChange {
  scope: string;
  /** The scope's version after the commit; later events of one scope may skip versions. */
  version: number;
}

export type ScopeChangeListener = (change: ScopeChange) => void;

/**
 * Carries scope changes between server instances that share one database.
 *
 * Contract: `publish` is called after the change has committed, never throws and never blocks the
 * caller (best effort, may coalesce); `start` resolves once changes from other instances are being
 * delivered to `deliver`, and never delivers this instance's own changes back (the server has
 * already emitted those in process); after delivery was interrupted (a dropped connection) and has
 * resumed, it calls `resumed`, so the server can re-announce what may have been missed meanwhile;
 * `close` stops delivery and releases every connection.
 */
export interface ScopeFanout {
  start(deliver: ScopeChangeListener, resumed?: () => void): Promise<void>;
  publish(change: ScopeChange): void;
  close(): Promise<void>;
  /** Carries presence between instances too (see fanout-presence.ts); without it presence is per instance. */
  readonly presence?: PresenceFanout;
}

/**
 * Presence messages between instances. `key` names one socket within its instance; `peer: null`
 * means it left. `hello` asks every other instance to re-announce its peers; `bye` says the sending
 * instance is going away and its peers with it.
 */
export type PresenceMessage =
  | { type: 'peer'; scope: string; key: string; peer: Peer | null }
  | { type: 'hello' }
  | { type: 'bye' };

/**
 * Contract: `send` never throws or blocks (best effort: a message may be lost while the connection
 * is down — the heartbeat refresh and expiry of fanout-presence.ts make up for it). `listen` delivers
 * other instances' messages (never this one's) with the sender's `origin`, a stable id per instance
 * run, and calls `connected` each time delivery (re)starts — at once if it already runs; it returns
 * an idempotent stop.
 */
export interface PresenceFanout {
  listen(deliver: (origin: string, message: PresenceMessage) => void, connected: () => void): () => void;
  send(messages: readonly PresenceMessage[]): void;
}

/** The in-process half: listeners of one server instance. A throwing listener cannot hurt the others. */
export interface ScopeChangeEmitter {
  subscribe(listener: ScopeChangeListener): () => void;
  emit(change: ScopeChange): void;
}

export function createScopeChangeEmitter(logger: Logger): ScopeChangeEmitter {
  const listeners = new Set<ScopeChangeListener>();
  return {
    subscribe(listener) {
      // Wrapped so subscribing the same function twice gives two independent subscriptions.
      const entry: ScopeChangeListener = (change) => listener(change);
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    emit(change) {
      for (const listener of [...listeners]) {
        try {
          listener(change);
        } catch (error) {
          logger.error('server: scope change listener threw', { scope: change.scope, error: String(error) });
        }
      }
    },
  };
}
