/**
 * One write mutex per database file per process. Two store instances on the same file in one
 * process must not rely on SQLite's busy timeout to take turns: better-sqlite3 waits for the lock
 * synchronously, so the instance holding it (mid-way through an async transaction body) could
 * never finish, and the waiter would give up with SQLITE_BUSY. Across processes the lock and
 * busy_timeout do the job. This is process-wide state on purpose: it mirrors a process-wide fact.
 */
import { realpathSync } from 'node:fs';
import { Mutex } from '../core/mutex.js';

interface SharedLock {
  readonly mutex: Mutex;
  users: number;
}

const locksByFile = new Map<string, SharedLock>();

export interface FileWriteLock {
  readonly mutex: Mutex;
  /** Call once, when the store that acquired it is closed. */
  release(): void;
}

/** The write mutex for the (existing) database file at `path`. */
export function acquireFileWriteLock(path: string): FileWriteLock {
  const file = realpathSync(path);
  let shared = locksByFile.get(file);
  if (shared === undefined) {
    shared = { mutex: new Mutex(), users: 0 };
    locksByFile.set(file, shared);
  }
  shared.users++;
  const lock = shared;
  let released = false;
  return {
    mutex: lock.mutex,
    release() {
      if (released) return;
      released = true;
      lock.users--;
      if (lock.users === 0 && locksByFile.get(file) === lock) locksByFile.delete(file);
    },
  };
}
