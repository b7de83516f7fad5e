/**
 * The leader lock seam: an exclusive lock, shared by every tab, worker or process on one local
 * database, that a client holds while it syncs. Its point over the store lease (lease.ts) is that the
 * platform releases it the moment its holder dies, so a crashed leader is replaced at once instead of
 * after a lease TTL. Web Locks give exactly that in browsers (web-locks.ts); where there is none the
 * store lease alone keeps pushers apart, with a short TTL that waiting clients time (leadership.ts).
 *
 * Contract (test/core/leader-lock-conformance.test.ts checks the in-memory one; the browser failover
 * test checks Web Locks):
 *  1. **Exclusive**: among all instances with one name, at most one `tryAcquire()` release function
 *     is outstanding (acquired and not yet called) at any time.
 *  2. **Non-blocking try**: `tryAcquire()` resolves to undefined, without waiting for the holder,
 *     when another holder has the lock; else to an idempotent release function, whose promise
 *     resolves once the lock is free for others (Web Locks release asynchronously: a try made
 *     before that may still find the lock held).
 *  3. **Released by death**: a holder that ends (tab crashed or closed, worker stopped) without
 *     calling release loses the lock by itself. (The in-memory lock cannot observe death; its holders
 *     share one process, so they die together.)
 *  4. **whenFree**: resolves once the lock has been free at some moment after the call (at once if it
 *     is free now), without holding it; rejects with `signal.reason` when the signal aborts first.
 *     A free lock may be taken again by someone else before the caller tries: callers try again.
 */
export interface LeaderLock {
  tryAcquire(): Promise<(() => Promise<void>) | undefined>;
  whenFree(signal: AbortSignal): Promise<void>;
}

/**
 * Leader locks that live in this process: `locks(name)` instances with the same name exclude each
 * other. For several clients on one store in one process (tests, a Node app with two clients), and as
 * the reference the conformance suite runs against. Each call to memoryLeaderLocks() is its own
 * namespace — there is no process-wide registry.
 */
export function memoryLeaderLocks(): (name: string) => LeaderLock {
  const held = new Set<string>();
  const waiters = new Map<string, Set<() => void>>();
  const free = (name: string): void => {
    held.delete(name);
    const list = waiters.get(name);
    waiters.delete(name);
    for (const wake of list ?? []) wake();
  };
  return (name) => ({
    tryAcquire() {
      if (held.has(name)) return Promise.resolve(undefined);
      held.add(name);
      let released = false;
      return Promise.resolve(() => {
        if (!released) {
          released = true;
          free(name);
        }
        return Promise.resolve();
      });
    },
    whenFree(signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason as Error);
        if (!held.has(name)) return resolve();
        const wake = (): void => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = (): void => {
          waiters.get(name)?.delete(wake);
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        const list = waiters.get(name) ?? new Set();
        list.add(wake);
        waiters.set(name, list);
      });
    },
  });
}
