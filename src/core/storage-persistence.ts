/**
 * The storage-persistence seam: whether the platform may evict the local store under storage
 * pressure, and the request that it not do so (the browser's `navigator.storage.persist()`).
 *
 * ## Contract
 * - `persisted()` answers whether the origin's storage is already persistent; `persist()` asks for it
 *   and answers whether it is now granted. Both resolve `undefined` where the platform cannot tell
 *   (Node, React Native, a browser without the Storage API) — "unknown", never a guess.
 * - They may reject (a browser that throws in an insecure context); the client treats that as unknown.
 * - `persist()` may show the user a prompt (Firefox): the client calls it at most once per instance,
 *   and only after `persisted()` said false.
 */
export interface StoragePersistence {
  persisted(): Promise<boolean | undefined>;
  persist(): Promise<boolean | undefined>;
}

/** What `client.metrics().storage` reports. */
export interface StorageMetrics {
  /**
   * Whether the local store is safe from eviction: true (persistent), false (the platform refused:
   * it may evict the store under storage pressure), 'unknown' (cannot tell, or not asked yet).
   */
  persisted: boolean | 'unknown';
}

/** Nothing to ask: the answer is always unknown (Node, React Native, old browsers). */
export const unknownPersistence: StoragePersistence = {
  persisted: () => Promise.resolve(undefined),
  persist: () => Promise.resolve(undefined),
};

/** The part of the browser's `StorageManager` (`navigator.storage`) the seam uses. */
export interface StorageManagerLike {
  persisted?: () => Promise<boolean>;
  persist?: () => Promise<boolean>;
}

/**
 * `navigator.storage` of `target` (default: the global object), looked up at each call so a test or
 * a platform can set it late; unknown where it is missing.
 */
export function navigatorPersistence(target: { navigator?: { storage?: StorageManagerLike } } = globalThis as never): StoragePersistence {
  const call = async (method: 'persisted' | 'persist'): Promise<boolean | undefined> => {
    const storage = target.navigator?.storage;
    const fn = storage?.[method];
    if (typeof fn !== 'function') return undefined;
    const answer: unknown = await fn.call(storage);
    return typeof answer === 'boolean' ? answer : undefined;
  };
  return { persisted: () => call('persisted'), persist: () => call('persist') };
}
