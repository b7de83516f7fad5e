/**
 * The leader lease: one tab/process per local database drains the outbox; others only write and
 * observe. Two leaders at once would still be correct (the server skips duplicates, stale pull pages
 * are ignored), so the lease is about not doing the work twice, and a short TTL is safe.
 */
import type { Store } from '../stores/store.js';
import { isJsonObject } from '../protocol/json.js';
import { META, T } from './local-schema.js';

export async function acquireLease(store: Store, holder: string, now: number, ttlMs: number): Promise<boolean> {
  return store.write(async (tx) => {
    const current = await tx.get(T.meta, META.lease);
    if (
      isJsonObject(current) &&
      current['holder'] !== holder &&
      typeof current['expiresAt'] === 'number' &&
      current['expiresAt'] > now
    ) {
      return false;
    }
    await tx.put(T.meta, META.lease, { holder, expiresAt: now + ttlMs });
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
