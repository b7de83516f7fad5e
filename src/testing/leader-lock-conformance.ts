/**
 * The conformance checks every `LeaderLock` must pass (the contract is in src/core/leader-lock.ts),
 * written without a test framework so they run in Node (under Vitest, against memoryLeaderLocks) and
 * inside a browser page (against Web Locks). Each check throws an Error saying which clause broke.
 * Clause 3 (a dead holder's lock is freed) needs a holder that can die: the browser failover test
 * crashes a page for it.
 *
 * @example
 * for (const check of leaderLockConformanceChecks) it(check.name, () => check.run(memoryLeaderLocks()));
 */
import type { LeaderLock } from '../core/leader-lock.js';

export interface LeaderLockCheck {
  name: string;
  /** `lock(name)` returns a new instance for `name`, as another tab would get. */
  run(lock: (name: string) => LeaderLock): Promise<void>;
}

function assert(condition: boolean, message: string): void {
  if (!condition) throw new Error(`LeaderLock conformance: ${message}`);
}

/** A name no other check (or earlier run on a persistent origin) uses. */
function fresh(): string {
  return `conformance-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Lets queued callbacks (promise jobs, a lock manager's grants) run before a negative check. */
async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

export const leaderLockConformanceChecks: readonly LeaderLockCheck[] = [
  {
    name: 'is exclusive across instances, and tryAcquire does not wait for the holder',
    async run(lock) {
      const name = fresh();
      const [a, b] = [lock(name), lock(name)];
      const release = await a.tryAcquire();
      assert(release !== undefined, 'a free lock was not granted');
      assert((await b.tryAcquire()) === undefined, 'a second instance got a held lock');
      assert((await a.tryAcquire()) === undefined, 'the holding instance got the lock a second time');
      await release!();
      const next = await b.tryAcquire();
      assert(next !== undefined, 'the lock was not granted again once release() resolved');
      await next!();
    },
  },
  {
    name: 'release is idempotent: a second call does not free a later holder',
    async run(lock) {
      const name = fresh();
      const [a, b, c] = [lock(name), lock(name), lock(name)];
      const first = await a.tryAcquire();
      await first!();
      await first!();
      const second = await b.tryAcquire();
      assert(second !== undefined, 'not granted after a double release');
      await first!();
      assert((await c.tryAcquire()) === undefined, "a stale release call freed another holder's lock");
      await second!();
    },
  },
  {
    name: 'whenFree resolves at once when free, and after release when held, without holding it',
    async run(lock) {
      const name = fresh();
      const [a, b] = [lock(name), lock(name)];
      await b.whenFree(new AbortController().signal); // free now: resolves
      const release = await a.tryAcquire();
      let freed = false;
      const waiting = b.whenFree(new AbortController().signal).then(() => (freed = true));
      await turns();
      assert(!freed, 'whenFree resolved while the lock was held');
      await release!();
      await waiting;
      const after = await a.tryAcquire();
      assert(after !== undefined, 'whenFree kept the lock (it must only wait for it)');
      await after!();
    },
  },
  {
    name: 'whenFree rejects with the abort reason, and the lock stays usable',
    async run(lock) {
      const name = fresh();
      const [a, b] = [lock(name), lock(name)];
      const release = await a.tryAcquire();
      const controller = new AbortController();
      const reason = new Error('stop waiting');
      const waiting = b.whenFree(controller.signal).then(
        () => 'resolved',
        (error: unknown) => error,
      );
      controller.abort(reason);
      assert((await waiting) === reason, 'whenFree did not reject with the abort reason');
      const pre = new AbortController();
      pre.abort(reason);
      assert((await b.whenFree(pre.signal).then(() => 'resolved', (error: unknown) => error)) === reason, 'an already aborted signal did not reject');
      await release!();
      const next = await b.tryAcquire();
      assert(next !== undefined, 'an aborted wait left the lock unusable');
      await next!();
    },
  },
  {
    name: 'locks with different names are independent',
    async run(lock) {
      const one = await lock(fresh()).tryAcquire();
      const two = await lock(fresh()).tryAcquire();
      assert(one !== undefined && two !== undefined, 'holding one name kept another name from being granted');
      await one!();
      await two!();
    },
  },
];
