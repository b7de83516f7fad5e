/**
 * The page side of `syncline/sw`: make sure pending writes leave the device, in every browser.
 *
 * Where the browser has Background Sync (`SyncManager`: Chromium), it registers the sync tag the
 * service worker (`registerSynclineWorker`) answers — after every local write, after a failed cycle,
 * at start and when the page is hidden with writes pending — so the browser wakes the worker once
 * connectivity returns, even after the page is closed. Periodic Background Sync is registered too
 * when asked for and permitted.
 *
 * Where it has not (Safari, Firefox, or no service worker at all), it falls back to draining from the
 * page while it is open: at start, on `online`, when the page becomes visible, and on a timer; and to
 * a best-effort keepalive flush (keepalive-flush.ts) when the page is hidden or leaves (`pagehide`).
 */
import type { SynclineClient } from '../core/client.js';
import { systemTimers, type Timers } from '../core/seams.js';
import { flushOutbox, PreparedFlush, type FlushTarget } from './keepalive-flush.js';

/** The parts of a ServiceWorkerRegistration used here (`sync` and `periodicSync` are not in TS's DOM types). */
export interface SyncRegistrationLike {
  sync?: { register(tag: string): Promise<void>; getTags?(): Promise<string[]> };
  periodicSync?: { register(tag: string, options?: { minInterval?: number }): Promise<void> };
}

/** The window-side events and globals used here (default `globalThis`). */
export interface PageLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
  document?: { visibilityState?: string; addEventListener(type: string, listener: () => void): void; removeEventListener(type: string, listener: () => void): void };
  SyncManager?: unknown;
}

export interface RegisterBackgroundSyncOptions {
  /** The page's client (its store is the outbox the worker drains). */
  client: SynclineClient;
  /** The Background Sync tag; the worker's `tag` must match. Default `'syncline'`. */
  tag?: string;
  /**
   * Also register Periodic Background Sync (Chromium, installed web apps with the permission),
   * which wakes the worker about every `minIntervalMs` to push and pull. Off by default.
   */
  periodic?: { tag?: string; minIntervalMs: number };
  /** `'fallback'` uses the page-only fallback even where Background Sync exists. Default `'auto'`. */
  mode?: 'auto' | 'fallback';
  /** The fallback's drain timer while the page is open, in ms. Default 30 000. */
  intervalMs?: number;
  /**
   * Where the fallback's keepalive flush sends (the server URL and token of the app's HTTP
   * transport). Without it there is no flush.
   */
  flush?: FlushTarget;
  /** Called when a drain, flush or registration failed (they are best effort; nothing is thrown). */
  onError?: (error: unknown, during: 'register' | 'drain' | 'flush') => void;
  page?: PageLike;
  timers?: Timers;
}

export interface BackgroundSyncHandle {
  /** `background-sync`: the service worker drains, woken by the browser; `fallback`: this page does. */
  readonly mode: 'background-sync' | 'fallback';
  /** Periodic Background Sync: registered, not asked for, or not available/permitted here. */
  readonly periodic: 'registered' | 'off' | 'unavailable';
  /** Drain from the page now (fallback) or register the sync again (background-sync). */
  kick(): Promise<void>;
  /** The keepalive flush, now; resolves with how many mutations it sent. */
  flush(): Promise<number>;
  /** Remove every listener and timer. */
  close(): void;
}

/**
 * Register Background Sync for the page's pending writes where the browser has it, or fall back to
 * draining from the page where it has not.
 * @example
 * const registration = await navigator.serviceWorker.register('/sw.js', { type: 'module' });
 * const background = await registerBackgroundSync(registration, { client, flush: { url: location.origin, token } });
 */
export async function registerBackgroundSync(serviceWorker: object | undefined, options: RegisterBackgroundSyncOptions): Promise<BackgroundSyncHandle> {
  // A ServiceWorkerRegistration; typed loosely because TypeScript's DOM types lack `sync` and `periodicSync`.
  const registration = serviceWorker as SyncRegistrationLike | undefined;
  const page = options.page ?? (globalThis as unknown as PageLike);
  const sync = registration?.sync;
  if (options.mode !== 'fallback' && page.SyncManager !== undefined && sync !== undefined) {
    const tag = options.tag ?? 'syncline';
    // Whether the browser lets this page use it at all (not, e.g., without an active worker), asked
    // without registering: a registration now would wake the worker with nothing to do.
    const usable = await Promise.resolve(sync.getTags?.()).then(
      () => true,
      (error: unknown) => (options.onError?.(error, 'register'), false),
    );
    if (usable) return backgroundSyncMode(page, sync, tag, await registerPeriodic(registration, options), options);
  }
  return fallbackMode(page, options);
}

async function registerPeriodic(registration: SyncRegistrationLike | undefined, options: RegisterBackgroundSyncOptions): Promise<BackgroundSyncHandle['periodic']> {
  if (options.periodic === undefined) return 'off';
  if (registration?.periodicSync === undefined) return 'unavailable';
  try {
    await registration.periodicSync.register(options.periodic.tag ?? 'syncline-periodic', { minInterval: options.periodic.minIntervalMs });
    return 'registered';
  } catch (error) {
    options.onError?.(error, 'register'); // usually: the periodic-background-sync permission is not granted
    return 'unavailable';
  }
}

function backgroundSyncMode(page: PageLike, sync: NonNullable<SyncRegistrationLike['sync']>, tag: string, periodic: BackgroundSyncHandle['periodic'], options: RegisterBackgroundSyncOptions): BackgroundSyncHandle {
  const { client } = options;
  // One registration per tag is pending at a time: registering again while one waits costs nothing,
  // and registering while the worker runs makes the browser fire once more after it.
  const register = (): Promise<void> => sync.register(tag).catch((error: unknown) => options.onError?.(error, 'register'));
  const registerIfPending = (): Promise<void> =>
    client.pendingCount().then(
      (n) => (n > 0 ? register() : undefined),
      (error: unknown) => options.onError?.(error, 'register'),
    );
  const stops = [client.on('mutation.queued', () => void register()), client.on('sync.failed', () => void registerIfPending())];
  const onHidden = (): void => {
    if (page.document?.visibilityState === 'hidden') void registerIfPending();
  };
  page.document?.addEventListener('visibilitychange', onHidden);
  void registerIfPending(); // writes left by an earlier visit
  return {
    mode: 'background-sync',
    periodic,
    kick: register,
    flush: () => (options.flush === undefined ? Promise.resolve(0) : flushOutbox(client, options.flush)),
    close() {
      for (const stop of stops) stop();
      page.document?.removeEventListener('visibilitychange', onHidden);
    },
  };
}

function fallbackMode(page: PageLike, options: RegisterBackgroundSyncOptions): BackgroundSyncHandle {
  const { client } = options;
  const timers = options.timers ?? systemTimers;
  const intervalMs = options.intervalMs ?? 30_000;
  let closed = false;
  let draining: Promise<void> | undefined;
  let timer: unknown;
  // The flush request is kept ready (rebuilt after writes and cycles): a leaving page cannot read IndexedDB.
  const prepared = options.flush === undefined ? undefined : new PreparedFlush(client, options.flush);
  const prepare = (): void => void prepared?.prepare().catch((error: unknown) => options.onError?.(error, 'flush'));
  const stops = prepared === undefined ? [] : [client.on('mutation.queued', prepare), client.on('sync.completed', prepare), client.on('sync.failed', prepare)];

  // One drain at a time; a trigger during one is covered by it (it reads the outbox when it starts its push).
  const drain = (): Promise<void> => {
    draining ??= (async () => {
      try {
        if (closed || (await client.pendingCount()) === 0) return;
        await client.sync().result;
      } catch (error) {
        options.onError?.(error, 'drain'); // the client reported it too (sync.failed); the next trigger retries
      } finally {
        draining = undefined;
      }
    })();
    return draining;
  };
  const flush = (): number => prepared?.send() ?? 0;
  const tick = (): void => {
    timer = timers.setTimeout(() => void drain().finally(() => closed || tick()), intervalMs);
  };
  const onVisibility = (): void => {
    if (page.document?.visibilityState === 'visible') void drain();
    else if (page.document?.visibilityState === 'hidden') void flush();
  };
  const onOnline = (): void => void drain();
  const onPageHide = (): void => void flush();
  page.addEventListener('online', onOnline);
  page.addEventListener('pagehide', onPageHide);
  page.document?.addEventListener('visibilitychange', onVisibility);
  tick();
  prepare();
  void drain(); // app start: writes left by an earlier visit
  return {
    mode: 'fallback',
    periodic: options.periodic === undefined ? 'off' : 'unavailable',
    kick: drain,
    flush: async () => {
      await prepared?.prepare();
      return flush();
    },
    close() {
      closed = true;
      for (const stop of stops) stop();
      timers.clearTimeout(timer);
      page.removeEventListener('online', onOnline);
      page.removeEventListener('pagehide', onPageHide);
      page.document?.removeEventListener('visibilitychange', onVisibility);
    },
  };
}
