/**
 * The tab channel seam: how clients on one local database in different tabs (or workers) tell each
 * other what changed. Only one of them at a time — the holder of the leader lock and lease
 * (leadership.ts) — syncs; the others write into the shared outbox and, through this channel, ask the
 * leader to sync and hear about records it pulled. If the leader died, they take over by themselves.
 *
 * Contract: a message posted by one channel instance reaches every other instance with the same name
 * (never the poster itself), in posting order per sender, best effort (a tab that is closed or not
 * yet listening misses it: the store stays the truth, messages only say "look again"). `subscribe`
 * returns an idempotent unsubscribe; `close()` detaches everything.
 */
import type { RecordsChange } from './events.js';

/** Messages between tabs. Version history: 1 — first version. */
export type TabMessage =
  | { v: 1; type: 'records.changed'; source: 'local' | 'remote'; changes: RecordsChange[] }
  | { v: 1; type: 'sync.requested' };

export interface TabChannel {
  post(message: TabMessage): void;
  subscribe(listener: (message: TabMessage) => void): () => void;
  close(): void;
}

interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

/**
 * A TabChannel over the platform's BroadcastChannel (browsers, workers, Node ≥ 18), or undefined where
 * there is none (then tabs do not hear each other, and each still syncs when it holds the lease).
 */
export function broadcastTabChannel(name: string): TabChannel | undefined {
  const Ctor = (globalThis as { BroadcastChannel?: new (name: string) => BroadcastChannelLike }).BroadcastChannel;
  if (Ctor === undefined) return undefined;
  const channel = new Ctor(`syncline:${name}`);
  const listeners = new Set<(message: TabMessage) => void>();
  const onMessage = (event: { data: unknown }): void => {
    const message = parseTabMessage(event.data);
    if (message === undefined) return; // another version or another library on the same name: ignore
    for (const listener of [...listeners]) {
      try {
        listener(message);
      } catch {
        // One listener's failure must not keep the message from the others.
      }
    }
  };
  channel.addEventListener('message', onMessage);
  return {
    post: (message) => channel.postMessage(message),
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close() {
      listeners.clear();
      channel.removeEventListener('message', onMessage);
      channel.close();
    },
  };
}

/** Messages cross a realm boundary: check the shape instead of trusting it. */
export function parseTabMessage(data: unknown): TabMessage | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const m = data as Record<string, unknown>;
  if (m['v'] !== 1) return undefined;
  if (m['type'] === 'sync.requested') return { v: 1, type: 'sync.requested' };
  if (m['type'] !== 'records.changed' || (m['source'] !== 'local' && m['source'] !== 'remote') || !Array.isArray(m['changes'])) return undefined;
  const changes: RecordsChange[] = [];
  for (const c of m['changes'] as unknown[]) {
    const change = c as Record<string, unknown> | null;
    if (typeof change?.['collection'] !== 'string' || !Array.isArray(change['keys']) || !change['keys'].every((k) => typeof k === 'string')) return undefined;
    changes.push({ collection: change['collection'], keys: change['keys'] as string[] });
  }
  return { v: 1, type: 'records.changed', source: m['source'], changes };
}
