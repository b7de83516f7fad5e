import { describe, expect, it } from 'vitest';
import { NetworkMonitor, type NetworkChangedEvent } from '../../src/network/network-monitor.js';
import { classify, QualityTracker, defaultQualityThresholds } from '../../src/network/quality.js';
import { VirtualClock } from './virtual-clock.js';

const rttSample = (durationMs: number) => ({ operation: 'health' as const, durationMs, bytesSent: 0, bytesReceived: 40, items: 0 });

describe('quality classes', () => {
  it('classifies by the worst of RTT, throughput and failure rate', () => {
    expect(classify({ rttMs: 20, bytesPerSecond: 5e6, failureRate: 0 })).toBe('excellent');
    expect(classify({ rttMs: 150, bytesPerSecond: 5e6, failureRate: 0 })).toBe('good');
    expect(classify({ rttMs: 20, bytesPerSecond: 100_000, failureRate: 0 })).toBe('fair');
    expect(classify({ rttMs: 20, bytesPerSecond: 5e6, failureRate: 0.5 })).toBe('poor');
    expect(classify({ rttMs: undefined, bytesPerSecond: undefined, failureRate: 0 })).toBe('excellent');
  });

  it('hysteresis: RTT wobbling around a boundary does not flap; a sustained change switches after confirmation', () => {
    const tracker = new QualityTracker('good', defaultQualityThresholds);
    let changes = 0;
    for (let i = 0; i < 40; i += 1) if (tracker.update({ rttMs: i % 2 === 0 ? 180 : 230, bytesPerSecond: undefined, failureRate: 0 })) changes += 1;
    expect(changes).toBe(0);
    expect(tracker.current).toBe('good');

    expect(tracker.update({ rttMs: 900, bytesPerSecond: undefined, failureRate: 0 })).toBe(false);
    expect(tracker.update({ rttMs: 900, bytesPerSecond: undefined, failureRate: 0 })).toBe(false);
    expect(tracker.update({ rttMs: 900, bytesPerSecond: undefined, failureRate: 0 })).toBe(true);
    expect(tracker.current).toBe('poor');
  });

  it('without hysteresis the same wobble flaps (so the test above can fail)', () => {
    const tracker = new QualityTracker('good', defaultQualityThresholds, { margin: 0, confirmSamples: 1 });
    let changes = 0;
    for (let i = 0; i < 40; i += 1) if (tracker.update({ rttMs: i % 2 === 0 ? 180 : 230, bytesPerSecond: undefined, failureRate: 0 })) changes += 1;
    expect(changes).toBeGreaterThan(30);
  });

  it('the monitor emits no network.changed while measured RTT wobbles around a boundary', () => {
    const monitor = new NetworkMonitor({ timers: new VirtualClock(), metrics: { alpha: 1 } });
    const events: NetworkChangedEvent[] = [];
    monitor.on('network.changed', (e) => events.push(e));
    for (let i = 0; i < 50; i += 1) monitor.record(rttSample(i % 2 === 0 ? 170 : 240));
    expect(events).toEqual([]);
    for (let i = 0; i < 3; i += 1) monitor.record(rttSample(40));
    expect(events.map((e) => e.quality)).toEqual(['excellent']);
    monitor.close();
  });
});
