/**
 * The conformance suite every `NetworkStatus` adapter must pass (the contract is in
 * src/core/seams.ts): `isOnline()` reflects the platform signal, `subscribe` delivers every change to
 * every listener, unsubscribe is idempotent, and platform listeners are attached lazily and detached
 * when the last listener leaves, so nothing leaks. The factory drives a fake platform signal.
 *
 * @example
 * runNetworkStatusConformance('browser', {
 *   open: () => {
 *     const window = fakeWindow(); // navigator.onLine + online/offline events, counting listeners
 *     return { status: browserNetworkStatus(window), goOnline: window.goOnline, goOffline: window.goOffline, attachedListeners: window.count };
 *   },
 * });
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { NetworkStatus } from '../core/seams.js';

/** One adapter over a fresh fake platform signal that starts online. */
export interface NetworkStatusHarness {
  status: NetworkStatus;
  /** Make the platform report online (and fire its change signal). */
  goOnline(): void | Promise<void>;
  /** Make the platform report offline (and fire its change signal). */
  goOffline(): void | Promise<void>;
  /** Platform listeners the adapter has attached right now. */
  attachedListeners(): number;
  /** Release the adapter, if it has a lifetime (e.g. `NetworkMonitor.close()`). Called after each test. */
  close?(): void | Promise<void>;
}

export interface NetworkStatusFactory {
  open(): NetworkStatusHarness | Promise<NetworkStatusHarness>;
  /**
   * The adapter has no platform signal to follow (`alwaysOnline`): it is always online, never
   * delivers a change and never attaches anything. The change-delivery clauses then check exactly that.
   */
  noPlatformSignal?: boolean;
  /**
   * `isOnline()` follows the platform only while someone is subscribed, because the platform has no
   * synchronous getter (React Native's NetInfo): with no listener it may report a stale state. It
   * must still catch up as soon as a listener subscribes.
   */
  tracksOnlyWhileSubscribed?: boolean;
  /**
   * The adapter holds its platform listeners from creation until `close()` instead of attaching
   * lazily, because its own state depends on platform events even with no subscriber (the
   * `NetworkMonitor`: lie-fi verdicts are cleared by a platform `online` event). The harness must
   * then have `close()`, and the leak clause checks that `close()` detaches everything.
   */
  holdsPlatformListenersUntilClose?: boolean;
}

export function runNetworkStatusConformance(name: string, factory: NetworkStatusFactory): void {
  describe(`NetworkStatus conformance: ${name}`, () => {
    const opened: NetworkStatusHarness[] = [];
    const open = async (): Promise<NetworkStatusHarness> => {
      const harness = await factory.open();
      opened.push(harness);
      return harness;
    };
    afterEach(async () => {
      for (const harness of opened.splice(0)) await harness.close?.();
    });
    const signalled = !(factory.noPlatformSignal ?? false);
    const lazy = !(factory.holdsPlatformListenersUntilClose ?? false);
    const itSignalled = it.skipIf(!signalled);

    describe('isOnline()', () => {
      it('reports online while the platform says online', async () => {
        const { status } = await open();
        expect(status.isOnline()).toBe(true);
      });

      it.skipIf(!signalled || (factory.tracksOnlyWhileSubscribed ?? false))('follows the platform with no listener subscribed', async () => {
        const h = await open();
        await h.goOffline();
        expect(h.status.isOnline()).toBe(false);
        await h.goOnline();
        expect(h.status.isOnline()).toBe(true);
      });

      itSignalled('is current again as soon as a listener subscribes after changes nobody heard', async () => {
        const h = await open();
        h.status.subscribe(() => {})();
        await h.goOffline();
        const off = h.status.subscribe(() => {});
        expect(h.status.isOnline()).toBe(false);
        off();
      });

      it.skipIf(signalled)('stays online whatever the platform does (no platform signal)', async () => {
        const h = await open();
        await h.goOffline();
        expect(h.status.isOnline()).toBe(true);
      });
    });

    describe('subscribe()', () => {
      itSignalled('delivers every change, in order, to every listener, agreeing with isOnline()', async () => {
        const h = await open();
        const first: boolean[] = [];
        const second: boolean[] = [];
        const agreed: boolean[] = [];
        h.status.subscribe((online) => {
          first.push(online);
          agreed.push(online === h.status.isOnline());
        });
        h.status.subscribe((online) => second.push(online));
        for (const step of [h.goOffline, h.goOnline, h.goOffline, h.goOnline]) await step();
        expect(first).toEqual([false, true, false, true]);
        expect(second).toEqual(first);
        expect(agreed.every(Boolean)).toBe(true);
      });

      itSignalled('a listener that throws does not keep the change from the others', async () => {
        const h = await open();
        const heard: boolean[] = [];
        h.status.subscribe(() => {
          throw new Error('a broken app listener');
        });
        h.status.subscribe((online) => heard.push(online));
        // If the throw escapes to the platform that is the platform's business; the others must still hear it.
        await Promise.resolve()
          .then(() => h.goOffline())
          .catch(() => undefined);
        expect(heard).toEqual([false]);
        expect(h.status.isOnline()).toBe(false);
      });

      it.skipIf(signalled)('never calls a listener (no platform signal)', async () => {
        const h = await open();
        const heard: boolean[] = [];
        const off = h.status.subscribe((online) => heard.push(online));
        await h.goOffline();
        await h.goOnline();
        off();
        expect(heard).toEqual([]);
      });
    });

    describe('unsubscribe', () => {
      it('stops delivery to that listener only, and calling it twice is harmless', async () => {
        const h = await open();
        const gone: boolean[] = [];
        const kept: boolean[] = [];
        const off = h.status.subscribe((online) => gone.push(online));
        h.status.subscribe((online) => kept.push(online));
        off();
        expect(() => off()).not.toThrow();
        await h.goOffline();
        expect(gone).toEqual([]);
        expect(kept).toEqual(signalled ? [false] : []);
      });
    });

    describe('platform listeners', () => {
      it.skipIf(!lazy)('are attached on the first subscribe and detached when the last listener leaves', async () => {
        const h = await open();
        expect(h.attachedListeners()).toBe(0);
        const offA = h.status.subscribe(() => {});
        const offB = h.status.subscribe(() => {});
        if (signalled) expect(h.attachedListeners()).toBeGreaterThan(0);
        offA();
        if (signalled) expect(h.attachedListeners()).toBeGreaterThan(0);
        offB();
        offA(); // a late second call must not disturb anything
        expect(h.attachedListeners()).toBe(0);
      });

      itSignalled('are attached again for a listener that comes after the last one left', async () => {
        const h = await open();
        h.status.subscribe(() => {})();
        const heard: boolean[] = [];
        const off = h.status.subscribe((online) => heard.push(online));
        await h.goOffline();
        expect(heard).toEqual([false]);
        off();
      });

      it.skipIf(lazy)('are all detached by close() (this adapter holds them for its lifetime)', async () => {
        const h = await open();
        expect(h.close, 'holdsPlatformListenersUntilClose needs a harness with close()').toBeTypeOf('function');
        h.status.subscribe(() => {});
        await h.close?.();
        expect(h.attachedListeners()).toBe(0);
      });

      it('do not leak: many subscribe/unsubscribe rounds leave the count where it started', async () => {
        const h = await open();
        const idle = h.attachedListeners();
        for (let round = 0; round < 100; round += 1) {
          const offs = [h.status.subscribe(() => {}), h.status.subscribe(() => {})];
          for (const off of offs.reverse()) off();
        }
        expect(h.attachedListeners()).toBe(idle);
      });
    });
  });
}
