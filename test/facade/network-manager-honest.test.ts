// NetworkManager answers only what it knows: before anything is measured a medium or heavy sync is
// "unknown" (undefined, falsy), and plan options it does not know are refused instead of being copied
// into the plan.
import { describe, expect, it } from 'vitest';
import { NetworkManager, type NetworkStatus } from '../../src/index.js';
import { VirtualClock } from '../network/virtual-clock.js';

const fast = { operation: 'health' as const, durationMs: 20, bytesSent: 0, bytesReceived: 10, items: 0 };

function manager(extra: ConstructorParameters<typeof NetworkManager>[0] = {}) {
  return new NetworkManager({ timers: new VirtualClock(), metrics: { alpha: 1 }, hysteresis: { confirmSamples: 1 }, ...extra });
}

describe('isSyncRecommended before and after measuring', () => {
  it('says unknown for medium and heavy until a request was measured, then answers from the measurement', () => {
    const network = manager();
    expect(network.isMeasured()).toBe(false);
    expect(network.getQuality()).toBe('unknown');
    expect(network.isSyncRecommended('heavy')).toBeUndefined();
    expect(network.isSyncRecommended('medium')).toBeUndefined();
    expect(network.isSyncRecommended('light')).toBe(true); // a light sync is how the link gets measured
    network.monitor.record(fast);
    expect(network.isMeasured()).toBe(true);
    expect(network.getQuality()).toBe('excellent');
    expect(network.isSyncRecommended('heavy')).toBe(true);
    network.close();
  });

  it('says no while offline, measured or not', () => {
    const offline: NetworkStatus = { isOnline: () => false, subscribe: () => () => undefined };
    const network = manager({ platform: offline });
    expect(network.isSyncRecommended('light')).toBe(false);
    expect(network.isSyncRecommended('heavy')).toBe(false);
    expect(network.getQuality()).toBe('offline');
    network.close();
  });

  it('a quality the app states is taken as known', () => {
    const network = manager({ initialQuality: 'poor' });
    expect(network.isSyncRecommended('heavy')).toBe(false);
    expect(network.isSyncRecommended('light')).toBe(true);
    network.close();
  });

  it('refuses a weight it does not know', () => {
    const network = manager();
    expect(() => network.isSyncRecommended('huge' as never)).toThrow(/'light', 'medium' or 'heavy'/);
    network.close();
  });
});

describe('optimizeForConnection validates what it pins', () => {
  it('refuses unknown keys, pointing seed names and sync options to the right place', () => {
    const network = manager();
    expect(() => network.optimizeForConnection({ operation: 'delta' } as never)).toThrow(/unknown plan option "operation".*ProgressiveSyncEngine\.executeSync/);
    expect(() => network.optimizeForConnection({ batchSize: 50 } as never)).toThrow(/"batchSize" \(here it is called pushBatchSize and pullPageSize\)/);
    expect(() => network.optimizeForConnection({ pushBatchSize: 0 })).toThrow(/pushBatchSize must be an integer 1…1000, got 0/);
    expect(() => network.optimizeForConnection({ compress: 'yes' } as never)).toThrow(/compress must be true or false/);
    expect(() => network.optimizeForConnection(null as never)).toThrow(/object of plan values/);
    network.close();
  });

  it('keeps what the app pinned and nothing else', () => {
    const network = manager();
    const plan = network.optimizeForConnection({ pushBatchSize: 7, compress: undefined });
    expect(plan.pushBatchSize).toBe(7);
    expect(Object.keys(plan).sort()).toEqual(['compress', 'concurrency', 'pullPageSize', 'pushBatchSize', 'quality', 'requestTimeoutMs']);
    network.close();
  });
});
