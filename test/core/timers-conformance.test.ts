// The Timers conformance suite over systemTimers on real time, over systemTimers driven by Vitest's
// fake timers, and over the virtual clock the network tests use.
import { vi } from 'vitest';
import { systemTimers } from '../../src/core/seams.js';
import { runTimersConformance } from '../../src/testing.js';
import { VirtualClock } from '../network/virtual-clock.js';

/** Real time: wait `ms`, plus slack for the event loop to run what fell due. */
const realSleep = (ms: number): Promise<void> => new Promise((resolve) => globalThis.setTimeout(resolve, ms + 5));

runTimersConformance('systemTimers (real time)', {
  open: () => ({ timers: systemTimers, advance: realSleep }),
});

runTimersConformance('systemTimers under Vitest fake timers', {
  open: () => {
    vi.useFakeTimers();
    return {
      timers: systemTimers,
      advance: async (ms) => {
        await vi.advanceTimersByTimeAsync(ms);
      },
      pendingTimers: () => vi.getTimerCount(),
      close: () => {
        vi.useRealTimers();
      },
    };
  },
});

runTimersConformance('VirtualClock (test/network)', {
  open: () => {
    const clock = new VirtualClock();
    return { timers: clock, advance: (ms) => clock.advance(ms), pendingTimers: () => clock.pending };
  },
});
