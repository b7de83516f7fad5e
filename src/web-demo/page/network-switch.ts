/**
 * The till's offline toggle: a gate every byte of its sync traffic passes through. While off, the
 * gate's `fetch` fails at once like a dropped network (nothing leaves the page) and every request in
 * flight — the open event stream included — is aborted; the `NetworkStatus` it exposes says offline,
 * so the sync loop stops trying until the toggle is back on. Hiding a badge would prove nothing: the
 * web-till test counts what reaches the server while the toggle is off.
 *
 * The state is kept in localStorage per till, so it survives a reload (pending sales stay pending
 * until the user goes online) and every tab of the same till follows it (`storage` events).
 */
import type { NetworkStatus } from '../../index.js';

export interface NetworkSwitch {
  /** Use as the transport's and the event stream's `fetch`. */
  fetch(request: Request): Promise<Response>;
  /** Online only while the toggle is on and the browser itself says online. */
  status: NetworkStatus;
  enabled(): boolean;
  setEnabled(on: boolean): void;
  /** Requests the gate refused or cut since the page loaded. */
  blocked(): number;
}

export function createNetworkSwitch(storageKey: string, browser: NetworkStatus): NetworkSwitch {
  const listeners = new Set<(online: boolean) => void>();
  const inFlight = new Set<AbortController>();
  let on = localStorage.getItem(storageKey) !== 'off';
  let blocked = 0;

  const waiting = new Set<() => void>();
  const untilOn = (signal: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      const stop = (): void => {
        waiting.delete(wake);
        reject(signal.reason);
      };
      const wake = (): void => {
        signal.removeEventListener('abort', stop);
        resolve();
      };
      if (signal.aborted) return stop();
      waiting.add(wake);
      signal.addEventListener('abort', stop, { once: true });
    });
  const online = (): boolean => on && browser.isOnline();
  const announce = (): void => {
    for (const listener of [...listeners]) listener(online());
  };
  const apply = (next: boolean): void => {
    if (next === on) return;
    on = next;
    if (!on) {
      // Cut what is already on the wire: an open event stream would otherwise keep delivering pokes.
      for (const controller of [...inFlight]) controller.abort(new DOMException('The till was switched offline.', 'AbortError'));
      blocked += inFlight.size;
    } else {
      for (const wake of [...waiting]) wake();
      waiting.clear();
    }
    announce();
  };
  // Another tab of this till flipped the toggle.
  addEventListener('storage', (event) => {
    if (event.key === storageKey) apply(event.newValue !== 'off');
  });
  browser.subscribe(() => announce());

  return {
    async fetch(request) {
      // The event stream waits (sending nothing) for the toggle instead of failing: a failed stream
      // backs off for up to 30 s, and live updates would then lag that long after going online.
      if (!on && new URL(request.url).pathname.endsWith('/v1/events')) await untilOn(request.signal);
      if (!on) {
        blocked += 1;
        // What fetch throws when the network is down: the HTTP transport reports a retryable TransportError.
        throw new TypeError('Failed to fetch: the till is offline (toggle).');
      }
      const controller = new AbortController();
      const forward = (): void => controller.abort(request.signal.reason);
      if (request.signal.aborted) forward();
      request.signal.addEventListener('abort', forward, { once: true });
      inFlight.add(controller);
      const done = (): void => {
        inFlight.delete(controller);
        request.signal.removeEventListener('abort', forward);
      };
      try {
        // A request counts as in flight until its body is read to the end: an event stream's
        // response arrives at once, its pokes keep coming for as long as it is open.
        return trackBody(await globalThis.fetch(request, { signal: controller.signal }), done);
      } catch (error) {
        done();
        throw error;
      }
    },
    status: {
      isOnline: online,
      subscribe(listener) {
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
    },
    enabled: () => on,
    setEnabled(next) {
      localStorage.setItem(storageKey, next ? 'on' : 'off');
      apply(next);
    },
    blocked: () => blocked,
  };
}

/** The same response, calling `done` once its body ended, failed or was cancelled. */
function trackBody(response: Response, done: () => void): Response {
  if (response.body === null) {
    done();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: ended, value } = await reader.read();
        if (ended) {
          done();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        done();
        controller.error(error);
      }
    },
    cancel(reason) {
      done();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
