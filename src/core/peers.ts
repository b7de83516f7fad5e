/**
 * Connects the client to its realtime channel's presence (when the channel has one): the channel
 * reads this client's status from the store when it reports, is told when that status may have
 * changed (a local write, the end of a cycle), and its peer-list changes become `peers.changed` events.
 */
import type { SyncEvent } from './events.js';
import { oldestPendingCreatedAt } from './drain-facts.js';
import { META, T, readNumber } from './local-schema.js';
import type { Timers } from './seams.js';
import type { Store } from '../stores/store.js';
import type { PresenceLink, PresenceStatus } from '../transport/realtime-presence.js';

/** Events after which the cursor or the backlog may differ. */
const STATUS_CHANGES = new Set<SyncEvent['type']>(['mutation.queued', 'sync.completed', 'sync.failed', 'mutation.applied', 'mutation.rejected']);

export function attachPresence(
  link: PresenceLink | undefined,
  host: { store: Store; clientId: string; timers: Timers; emit(event: SyncEvent): void; subscribe(listener: (event: SyncEvent) => void): () => void },
): (() => void) | undefined {
  if (link === undefined) return undefined;
  const read = (): Promise<PresenceStatus> =>
    host.store.read(async (tx) => {
      const oldest = await oldestPendingCreatedAt(tx);
      return {
        clientId: host.clientId,
        cursor: readNumber(await tx.get(T.meta, META.cursor), 0, 'meta/cursor'),
        backlog: await tx.count(T.unsettled),
        oldestPendingAgeMs: oldest === undefined ? null : Math.max(0, Math.round(host.timers.now() - oldest)),
      };
    });
  const detach = link.attach(read);
  const stopEvents = host.subscribe((event) => {
    if (STATUS_CHANGES.has(event.type)) link.changed();
  });
  const stopPeers = link.subscribe((peers) => host.emit({ type: 'peers.changed', peers }));
  return () => {
    detach();
    stopEvents();
    stopPeers();
  };
}
