/**
 * The conformance suite every `Timers` adapter must pass (the contract is in src/core/seams.ts):
 * `now()` never goes back; `setTimeout` calls its function once, asynchronously, and never earlier
 * than `ms` as measured by `now()`; `clearTimeout` prevents that, and is harmless when repeated or
 * late; and `sleep()` over the adapter resolves, or rejects on abort leaving no timer behind.
 * Time passes through the harness's `advance(ms)`, so the suite runs on real and virtual clocks alike.
 *
 * @example
 * runTimersConformance('fake timers', {
 *   open: () => {
 *     vi.useFakeTimers();
 *     return { timers: systemTimers, advance: (ms) => vi.advanceTimersByTimeAsync(ms), pendingTimers: () => vi.getTimerCount(), close: () => vi.useRealTimers() };
 *   },
 * });
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, type Timers } from '../core/seams.js';
import { rejectionOf } from './store-conformance-helpers.js';

export interface TimersHarness {
  timers: Timers;
  /**
   * Let at least `ms` of the adapter's time pass and run every timer that falls due meanwhile. A
   * virtual clock jumps; on real time, wait `ms` plus a few milliseconds of scheduling slack.
   */
  advance(ms: number): Promise<void>;
  /** Timers still scheduled on the underlying clock, when the harness can tell (fake and virtual clocks). */
  pendingTimers?(): number;
  /** Called after each test (e.g. `vi.useRealTimers()`). */
  close?(): void | Promise<void>;
}

export interface TimersFactory {
  open(): TimersHarness | Promise<TimersHarness>;
}

/** Delays the suite schedules; small so that a real clock finishes the suite quickly. */
const DELAYS_MS = [1, 2, 3, 5, 8, 13] as const;

export function runTimersConformance(name: string, factory: TimersFactory): void {
  describe(`Timers conformance: ${name}`, () => {
    const opened: TimersHarness[] = [];
    const open = async (): Promise<TimersHarness> => {
      const harness = await factory.open();
      opened.push(harness);
      return harness;
    };
    afterEach(async () => {
      for (const harness of opened.splice(0)) await harness.close?.();
    });

    describe('now()', () => {
      it('is a finite number of milliseconds that never goes back, and moves at least as far as time advances', async () => {
        const { timers, advance } = await open();
        let previous = timers.now();
        expect(Number.isFinite(previous)).toBe(true);
        for (const ms of DELAYS_MS) {
          for (let i = 0; i < 100; i += 1) {
            const now = timers.now();
            expect(now).toBeGreaterThanOrEqual(previous);
            previous = now;
          }
          await advance(ms);
          expect(timers.now() - previous).toBeGreaterThanOrEqual(ms);
          previous = timers.now();
        }
      });
    });

    describe('setTimeout()', () => {
      it('calls the function once, asynchronously, and not before `ms` have passed on now()', async () => {
        const { timers, advance } = await open();
        const calls = DELAYS_MS.map((ms) => ({ ms, scheduledAt: timers.now(), firedAt: [] as number[] }));
        for (const call of calls) timers.setTimeout(() => call.firedAt.push(timers.now()), call.ms);
        expect(calls.every((call) => call.firedAt.length === 0)).toBe(true);
        await advance(Math.max(...DELAYS_MS) * 3);
        for (const call of calls) {
          expect(call.firedAt, `the ${call.ms} ms timer`).toHaveLength(1);
          expect((call.firedAt[0] ?? -Infinity) - call.scheduledAt, `the ${call.ms} ms timer fired early`).toBeGreaterThanOrEqual(call.ms);
        }
      });

      it('fires no earlier than `ms` for each of many timers set one after another (at every clock phase)', async () => {
        // A platform whose timer clock is not now()'s rounds differently from it; one timer in a few
        // hundred then fires a millisecond early by now(). Timers set in a row catch it at many phases.
        const { timers, advance } = await open();
        const early: string[] = [];
        for (let i = 0; i < 150; i += 1) {
          const ms = 1 + (i % 4);
          const scheduledAt = timers.now();
          let firedAt: number | undefined;
          timers.setTimeout(() => (firedAt = timers.now()), ms);
          await advance(ms);
          if (firedAt === undefined) await advance(ms);
          if (firedAt === undefined || firedAt - scheduledAt < ms) early.push(`${ms} ms timer: fired after ${String((firedAt ?? NaN) - scheduledAt)} ms`);
        }
        expect(early).toEqual([]);
      });

      it('runs a 0 ms timer, but never inside the setTimeout call', async () => {
        const { timers, advance } = await open();
        let fired = 0;
        timers.setTimeout(() => (fired += 1), 0);
        expect(fired).toBe(0);
        await advance(5);
        expect(fired).toBe(1);
      });
    });

    describe('clearTimeout()', () => {
      it('prevents a pending timer from firing, and no other', async () => {
        const { timers, advance } = await open();
        const fired: string[] = [];
        const cancelled = timers.setTimeout(() => fired.push('cancelled'), 5);
        timers.setTimeout(() => fired.push('kept'), 5);
        timers.clearTimeout(cancelled);
        await advance(20);
        expect(fired).toEqual(['kept']);
      });

      it('is harmless on a handle cleared twice or already fired, and does not touch newer timers', async () => {
        const { timers, advance } = await open();
        const fired: string[] = [];
        const done = timers.setTimeout(() => fired.push('done'), 1);
        await advance(10);
        const twice = timers.setTimeout(() => fired.push('twice'), 5);
        timers.clearTimeout(twice);
        const later = timers.setTimeout(() => fired.push('later'), 5);
        expect(() => timers.clearTimeout(twice)).not.toThrow();
        expect(() => timers.clearTimeout(done)).not.toThrow();
        await advance(20);
        expect(fired).toEqual(['done', 'later']);
        expect(() => timers.clearTimeout(later)).not.toThrow();
      });
    });

    describe('sleep() over the adapter', () => {
      it('resolves no earlier than `ms` on now()', async () => {
        const { timers, advance } = await open();
        const started = timers.now();
        let wokeAt: number | undefined;
        const sleeping = sleep(timers, 8).then(() => (wokeAt = timers.now()));
        await advance(30);
        await sleeping;
        expect((wokeAt ?? -Infinity) - started).toBeGreaterThanOrEqual(8);
      });

      it('rejects with the signal reason when aborted, before or during the sleep, leaving no timer', async () => {
        const harness = await open();
        const { timers, counted } = countingTimers(harness.timers);
        const idle = harness.pendingTimers?.();
        const reason = new Error('cancelled');
        expect(await rejectionOf(sleep(timers, 1000, AbortSignal.abort(reason)))).toBe(reason);
        const controller = new AbortController();
        const sleeping = rejectionOf(sleep(timers, 1000, controller.signal));
        await harness.advance(1);
        controller.abort(reason);
        expect(await sleeping).toBe(reason);
        expect(counted.pending).toBe(0);
        if (idle !== undefined) expect(harness.pendingTimers?.()).toBe(idle);
      });
    });
  });
}

/** The adapter, counting timers set and not yet fired or cleared (handles compared by identity). */
function countingTimers(inner: Timers): { timers: Timers; counted: { readonly pending: number } } {
  const live = new Set<unknown>();
  const timers: Timers = {
    now: () => inner.now(),
    setTimeout(fn, ms) {
      const handle: unknown = inner.setTimeout(() => {
        live.delete(handle);
        fn();
      }, ms);
      live.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      live.delete(handle);
      inner.clearTimeout(handle);
    },
  };
  return { timers, counted: { get pending() { return live.size; } } };
}
