/**
 * The leader lock over the Web Locks API (`navigator.locks`): browsers' tabs and workers of one
 * origin share it, and the browser releases a lock as soon as the context holding it goes away —
 * a crashed tab included — which is what makes failover immediate.
 */
import type { LeaderLock } from './leader-lock.js';

/** The part of `navigator.locks` used here (typed locally: the core compiles without DOM types). */
export interface LockManagerLike {
  request(name: string, options: { ifAvailable?: boolean; signal?: AbortSignal }, callback: (lock: unknown) => unknown): Promise<unknown>;
}

/** The platform's lock manager, if it has one (browsers, workers; not Node 20 nor React Native). */
function platformLocks(): LockManagerLike | undefined {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return typeof locks?.request === 'function' ? locks : undefined;
}

/**
 * A LeaderLock named `syncline:lead:<name>` over Web Locks, or undefined where the platform has none
 * (then the store lease alone keeps pushers apart). `name` is the local database's name: tabs and
 * workers on one database must use one name.
 */
export function webLocksLeaderLock(name: string, locks: LockManagerLike | undefined = platformLocks()): LeaderLock | undefined {
  if (locks === undefined) return undefined;
  const lockName = `syncline:lead:${name}`;
  return {
    tryAcquire() {
      return new Promise((resolve, reject) => {
        // Settles after the lock was released (the request's promise follows the callback's).
        const request = locks.request(lockName, { ifAvailable: true }, (lock) => {
          if (lock === null) {
            resolve(undefined);
            return undefined;
          }
          // Held until the returned promise settles: until release() is called, or the context dies.
          return new Promise<void>((release) => {
            resolve(() => {
              release();
              return done;
            });
          });
        });
        const done = request.then(
          () => undefined,
          () => undefined,
        );
        request.catch(reject);
      });
    },
    async whenFree(signal) {
      // Queues behind the holder (and earlier waiters) and lets go as soon as it is granted.
      await locks.request(lockName, { signal }, () => undefined).catch((error: unknown) => {
        throw signal.aborted ? signal.reason : error;
      });
    },
  };
}
