/**
 * A virtual clock for the Timers seam: time moves only when the test (or `run`) advances it, so
 * latency, backoff and probe timings are exact and the tests take no real time. Real I/O (an
 * in-process server on SQLite) still happens; `settle()` lets it finish before time moves on.
 */
import type { Timers } from '../../src/core/seams.js';

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
}

export class VirtualClock implements Timers {
  #now = 0;
  #seq = 0;
  readonly #timers = new Map<number, Entry>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), seq: id, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get pending(): number {
    return this.#timers.size;
  }

  /** Move time forward by `ms`, firing every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#earliest();
      if (next === undefined || next.at > end) break;
      this.#fire(next);
      await settle();
    }
    this.#now = end;
  }

  /** Await `work`, jumping to the next timer whenever nothing else can make progress. */
  async run<T>(work: Promise<T>, limitMs = 3_600_000): Promise<T> {
    let done = false;
    const tracked = work.finally(() => {
      done = true;
    });
    tracked.catch(() => undefined);
    const start = this.#now;
    while (!done) {
      await settle();
      if (done) break;
      const next = this.#earliest();
      if (next === undefined || next.at - start > limitMs) {
        await new Promise((resolve) => setTimeout(resolve, 2)); // real I/O still running
        continue;
      }
      this.#fire(next);
    }
    return tracked;
  }

  #earliest(): Entry | undefined {
    let best: Entry | undefined;
    for (const entry of this.#timers.values()) {
      if (best === undefined || entry.at < best.at || (entry.at === best.at && entry.seq < best.seq)) best = entry;
    }
    return best;
  }

  #fire(entry: Entry): void {
    this.#timers.delete(entry.seq);
    this.#now = Math.max(this.#now, entry.at);
    entry.fn();
  }
}

/** Let promises and real I/O callbacks that are ready run. */
export async function settle(rounds = 8): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await new Promise((resolve) => setImmediate(resolve));
}
