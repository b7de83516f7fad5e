/** `useOutbox()`: how many local writes wait for the server, and since when. */
import { useMemo, useSyncExternalStore } from 'react';
import type { SynclineClient } from '../core/client.js';
import type { SyncEvent } from '../core/events.js';
import { useSyncline } from './context.js';
import { loading, type Loadable } from './loadable.js';
import { sharedRead } from './shared-reads.js';
import type { LiveRead } from './live-read.js';

export interface OutboxState {
  /** Mutations still awaiting the server's outcome: the backlog (see `client.metrics().pending`). */
  pending: number;
  /** Entries in the outbox: pending ones plus applied ones awaiting the pull that confirms them. */
  outboxSize: number;
  /** Client clock (ms) when the oldest pending mutation was made; undefined when none waits. */
  oldestPendingAt: number | undefined;
  /**
   * Age of the oldest pending mutation when the outbox was last read. A ticking display computes
   * `Date.now() - oldestPendingAt` itself: the hook re-reads on changes, not as time passes.
   */
  oldestPendingAgeMs: number | undefined;
  /** Time to drain the backlog at the rate measured so far; undefined before a rate was measured. */
  estimatedDrainMs: number | undefined;
  /** Mutations the server refused for good, over the database's life. */
  rejected: number;
  /** The watchdog found pending work and no successful cycle for a while. */
  stalled: boolean;
}

/** Events after which the outbox may look different. */
const OUTBOX_EVENTS = new Set<SyncEvent['type']>(['mutation.queued', 'mutation.applied', 'mutation.rejected', 'mutation.quarantined', 'sync.completed', 'sync.failed', 'sync.stalled', 'records.changed']);

/**
 * The outbox of this client's database, read from `client.metrics()` and re-read after writes (this
 * tab's and, through the tab channel, other tabs'), outcomes and cycles. `{ status: 'loading' }`
 * while server-rendering and until the first read finished.
 */
export function useOutbox(): Loadable<OutboxState> {
  const client = useSyncline();
  const live = useMemo(() => outboxRead(client), [client]);
  return useSyncExternalStore(live.subscribe, live.getSnapshot, loading);
}

function outboxRead(client: SynclineClient): LiveRead<OutboxState> {
  return sharedRead(client, 'outbox', () => ({
    read: async () => {
      const m = await client.metrics();
      return {
        pending: m.pending,
        outboxSize: m.outboxSize,
        oldestPendingAt: m.oldestPendingAgeMs === undefined ? undefined : m.at - m.oldestPendingAgeMs,
        oldestPendingAgeMs: m.oldestPendingAgeMs,
        estimatedDrainMs: m.estimatedDrainMs,
        rejected: m.rejected,
        stalled: m.stalled,
      };
    },
    watch: (onChange) =>
      client.subscribe((event) => {
        if (OUTBOX_EVENTS.has(event.type)) onChange();
      }),
    // The age grows with every read; only a change of what waits is worth a render.
    equal: (a, b) =>
      a.pending === b.pending && a.outboxSize === b.outboxSize && a.oldestPendingAt === b.oldestPendingAt && a.estimatedDrainMs === b.estimatedDrainMs && a.rejected === b.rejected && a.stalled === b.stalled,
  }));
}
