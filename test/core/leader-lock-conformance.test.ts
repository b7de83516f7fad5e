// The LeaderLock contract (src/core/leader-lock.ts) against the in-memory lock; the same checks run
// against Web Locks inside Chromium (test/browser/tab-failover.test.ts).
import { describe, expect, it } from 'vitest';
import { memoryLeaderLocks } from '../../src/core/leader-lock.js';
import { webLocksLeaderLock } from '../../src/core/web-locks.js';
import { leaderLockConformanceChecks } from '../../src/testing/leader-lock-conformance.js';

describe('memoryLeaderLocks conforms to LeaderLock', () => {
  for (const check of leaderLockConformanceChecks) it(check.name, () => check.run(memoryLeaderLocks()));
});

it('webLocksLeaderLock is undefined where the platform has no navigator.locks (Node 20)', () => {
  expect(webLocksLeaderLock('till')).toBeUndefined();
});
