/**
 * Platform seams besides the store and transport: time, logging, network status. Each is a small
 * interface injected per client instance; defaults are resolved lazily so React Native, browsers,
 * Node and fake-timer tests can all swap them.
 */

/**
 * Time and timers.
 * Contract: `now()` is milliseconds, monotonic non-decreasing within one instance; `setTimeout`
 * calls `fn` once, no earlier than `ms` later, unless `clearTimeout` was called first. Handles must
 * not keep a Node process alive longer than the owner wants: `close()` of every syncline object
 * clears every timer it set.
 */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Structured logger. Contract: never throws; fields are JSON-serialisable. */
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
 * returns an idempotent unsubscribe. Implementations attach platform listeners lazily on first
 * subscribe and detach them when the last listener leaves.
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
    for (const l of [...listeners]) l(online);
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
