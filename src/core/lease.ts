/**
 * The leader lease: one tab/process per local database drains the outbox; others only write and
 * observe. Two leaders at once would still be correct (the server skips duplicates, stale pull pages
 * are ignored), so the lease is about not doing the work twice, and a short TTL is safe: the holder
 * renews it while its cycle runs (leadership.ts), and a crashed holder's lease lapses within one TTL.
 *
 * A holder that also holds the leader lock (leader-lock.ts) marks the row `lock: true`. Another
 * client that holds the lock now may take such a row over before it lapses: the lock is exclusive
 * and dies with its holder, so the row's holder no longer syncs. A row without the mark (a client
 * with no lock) is only ever taken once it lapsed.
 */
import type { Store } from '../stores/store.js';
import { isJsonObject } from '../protocol/json.js';
import { META, T } from './local-schema.js';

export async function acquireLease(store: Store, holder: string, now: number, ttlMs: number, lockHeld = false): Promise<boolean> {
  return store.write(async (tx) => {
    const current = await tx.get(T.meta, META.lease);
    if (
      isJsonObject(current) &&
      current['holder'] !== holder &&
      typeof current['expiresAt'] === 'number' &&
      current['expiresAt'] > now &&
      !(lockHeld && current['lock'] === true)
    ) {
      return false;
    }
    await tx.put(T.meta, META.lease, { holder, expiresAt: now + ttlMs, ...(lockHeld ? { lock: true } : {}) });
    return true;
  });
}


export async function releaseLease(store: Store, holder: string): Promise<void> {
  await store.write(async (tx) => {
    const current = await tx.get(T.meta, META.lease);
    if (isJsonObject(current) && current['holder'] === holder) await tx.delete(T.meta, META.lease);
  });
}

/**
 * The current lease row, if any (expired or not), for callers that wait on another holder — the
 * service worker waits for a live tab's lease to lapse instead of pushing beside it.
 */
export async function readLease(store: Store): Promise<{ holder: string; expiresAt: number } | undefined> {
  const current = await store.read((tx) => tx.get(T.meta, META.lease));
  if (!isJsonObject(current) || typeof current['holder'] !== 'string' || typeof current['expiresAt'] !== 'number') return undefined;
  return { holder: current['holder'], expiresAt: current['expiresAt'] };
}
