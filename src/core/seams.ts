/**
 * Platform seams besides the store and transport: time, logging, network status. Each is a small
 * interface injected per client instance; defaults are resolved lazily so React Native, browsers,
 * Node and fake-timer tests can all swap them.
 */

/**
 * Time and timers.
 * Contract: `now()` is milliseconds, monotonic non-decreasing within one instance; `setTimeout`
 * calls `fn` once, asynchronously, no earlier than `ms` later by `now()`, unless `clearTimeout` was
 * called first (clearing twice, or after it fired, is harmless). Handles must not keep a Node
 * process alive longer than the owner wants: `close()` of every syncline object clears every timer
 * it set. Conformance: `runTimersConformance` in `syncline/testing`.
 */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The most a platform timer fires early by now()'s measure; a larger remainder means the wall clock jumped. */
const EARLY_FIRE_SLACK_MS = 16;

/** systemTimers' handle: the platform timer currently armed for one setTimeout call. */
interface SystemTimer {
  id: ReturnType<typeof setTimeout> | undefined;
}

export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    // Platform timers run on a monotonic clock that rounds differently from Date.now(), so by now()
    // one in a few hundred fires a millisecond early. The contract says never early (checks such as
    // "idle for `every` ms?" rely on it), so such a timer waits out the remainder.
    const due = Date.now() + ms;
    const timer: SystemTimer = { id: undefined };
    const fire = (): void => {
      const left = due - Date.now();
      if (left > 0 && left <= EARLY_FIRE_SLACK_MS) timer.id = globalThis.setTimeout(fire, left);
      else fn();
    };
    timer.id = globalThis.setTimeout(fire, ms);
    return timer;
  },
  clearTimeout: (handle) => globalThis.clearTimeout((handle as SystemTimer | undefined)?.id),
};

/**
 * Structured logger. Contract: never throws, even on fields that do not serialise (callers aim for
 * JSON-serialisable fields). Conformance: `runLoggerConformance` in `syncline/testing`.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/**
 * What the platform says about connectivity.
 * Contract: `isOnline()` is the platform's current belief (it may be wrong — "lie-fi" — so syncline
 * treats `true` as "worth trying", never as proof); `subscribe` calls `listener` on every change and
 * returns an idempotent unsubscribe; a listener that throws does not keep a change from the others.
 * Implementations attach platform listeners lazily on first subscribe and detach them when the last
 * listener leaves. Two documented exceptions: where the platform has no synchronous getter (NetInfo)
 * `isOnline()` may be stale while nobody listens; and an adapter whose own state follows the signal
 * (`NetworkMonitor`) holds its platform listeners until `close()`. Conformance:
 * `runNetworkStatusConformance` in `syncline/testing`.
 */
export interface NetworkStatus {
  isOnline(): boolean;
  subscribe(listener: (online: boolean) => void): () => void;
}

/** Node and other platforms without a signal: assume online, let request outcomes tell. */
export const alwaysOnline: NetworkStatus = {
  isOnline: () => true,
  subscribe: () => () => {},
};

/** Browser `navigator.onLine` plus `online`/`offline` events; alwaysOnline where they are missing. */
export function browserNetworkStatus(target: { navigator?: { onLine?: boolean }; addEventListener?: EventTarget['addEventListener']; removeEventListener?: EventTarget['removeEventListener'] } = globalThis as never): NetworkStatus {
  if (typeof target.addEventListener !== 'function' || typeof target.navigator?.onLine !== 'boolean') {
    return alwaysOnline;
  }
  const listeners = new Set<(online: boolean) => void>();
  const notify = (): void => {
    const online = target.navigator?.onLine !== false;
    for (const l of [...listeners]) {
      try {
        l(online);
      } catch {
        // One broken listener must not keep the change from the others (the sync loop's reconnect trigger among them).
      }
    }
  };
  return {
    isOnline: () => target.navigator?.onLine !== false,
    subscribe(listener) {
      if (listeners.size === 0) {
        target.addEventListener?.('online', notify);
        target.addEventListener?.('offline', notify);
      }
      listeners.add(listener);
      return () => {
        if (!listeners.delete(listener)) return;
        if (listeners.size === 0) {
          target.removeEventListener?.('online', notify);
          target.removeEventListener?.('offline', notify);
        }
      };
    },
  };
}

/** Resolve after `ms`, or reject with the signal's reason as soon as it aborts. Leaves no timer behind. */
export function sleep(timers: Timers, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      timers.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
