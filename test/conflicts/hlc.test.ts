// The hybrid logical clock on its own: monotonic whatever the wall clock does, causally ordered
// across nodes whose clocks are skewed by minutes, and ordered as strings on the wire.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareHlc, formatHlc, HybridLogicalClock, parseHlc } from '../../src/protocol/hlc.js';

describe('hybrid logical clock', () => {
  it('never goes backwards, even when the wall clock does', () => {
    let wall = 1_000_000;
    const clock = new HybridLogicalClock('node-a', () => wall);
    const stamps = [clock.now()];
    for (const jump of [5, -60_000, 0, 0, -1, 10, 120_000, -120_000]) {
      wall += jump;
      stamps.push(clock.now());
    }
    expect([...stamps].sort(compareHlc)).toEqual(stamps);
    expect(new Set(stamps).size).toBe(stamps.length);
  });

  it('orders every message after what its sender had seen, across clocks skewed by minutes (property)', () => {
    const step = fc.record({ from: fc.nat(2), to: fc.nat(2), tick: fc.integer({ min: 0, max: 5000 }) });
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -10 * 60_000, max: 10 * 60_000 }), { minLength: 3, maxLength: 3 }), fc.array(step, { maxLength: 60 }), (skews, steps) => {
        let trueTime = 1_700_000_000_000;
        const nodes = skews.map((skew, i) => new HybridLogicalClock(`node-${i}`, () => trueTime + skew));
        const last = nodes.map(() => '');
        for (const { from, to, tick } of steps) {
          trueTime += tick;
          const sent = nodes[from]!.now();
          expect(compareHlc(sent, last[from]!)).toBeGreaterThan(0); // local order
          const received = nodes[to]!.receive(sent);
          expect(compareHlc(received, sent)).toBeGreaterThan(0); // the receive happens after the send
          expect(compareHlc(received, last[to]!)).toBeGreaterThan(0);
          last[from] = sent;
          last[to] = received;
        }
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('stays close to the fastest clock it has seen: the logical part only grows within one millisecond', () => {
    const ahead = new HybridLogicalClock('fast', () => 2_000_000 + 300_000);
    const behind = new HybridLogicalClock('slow', () => 2_000_000);
    const stamp = behind.receive(ahead.now());
    expect(parseHlc(stamp)).toEqual({ wall: 2_300_000, counter: 1, node: 'slow' });
  });

  it('compares as strings exactly as it compares as clocks', () => {
    fc.assert(
      fc.property(fc.nat(2 ** 45), fc.nat(99_999), fc.nat(2 ** 45), fc.nat(99_999), (w1, c1, w2, c2) => {
        const a = formatHlc({ wall: w1, counter: c1, node: 'n' });
        const b = formatHlc({ wall: w2, counter: c2, node: 'n' });
        const byClock = w1 !== w2 ? Math.sign(w1 - w2) : Math.sign(c1 - c2);
        expect(Math.sign(compareHlc(a, b))).toBe(byClock);
        expect(parseHlc(a)).toEqual({ wall: w1, counter: c1, node: 'n' });
      }),
      { seed: 7 },
    );
    expect(() => parseHlc('12.3.x')).toThrow(/Invalid HLC stamp/);
  });
});
