// Platform signals (React Native NetInfo adapter), their effect on the monitor, and the
// NetworkManager facade's app-facing methods.
import { describe, expect, it } from 'vitest';
import { NetworkManager } from '../../src/network/network-manager.js';
import { NetworkMonitor } from '../../src/network/network-monitor.js';
import { reactNativeNetworkStatus, type NetInfoStateLike } from '../../src/network/react-native.js';
import { VirtualClock } from './virtual-clock.js';

function fakeNetInfo() {
  const listeners = new Set<(state: NetInfoStateLike) => void>();
  return {
    listeners,
    emit: (state: NetInfoStateLike) => listeners.forEach((l) => l(state)),
    addEventListener(listener: (state: NetInfoStateLike) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

describe('React Native NetInfo adapter', () => {
  it('maps isConnected / isInternetReachable, attaches lazily and detaches with the last listener', () => {
    const netInfo = fakeNetInfo();
    const status = reactNativeNetworkStatus(netInfo);
    expect(netInfo.listeners.size).toBe(0);
    const seen: boolean[] = [];
    const off = status.subscribe((online) => seen.push(online));
    netInfo.emit({ isConnected: true, isInternetReachable: null });
    netInfo.emit({ isConnected: true, isInternetReachable: false });
    netInfo.emit({ isConnected: false });
    netInfo.emit({ isConnected: true, isInternetReachable: true });
    expect(seen).toEqual([false, true]);
    off();
    expect(netInfo.listeners.size).toBe(0);
  });
});

describe('monitor and platform', () => {
  it('platform offline → offline at once; a platform online event clears a lie-fi verdict', async () => {
    const netInfo = fakeNetInfo();
    const clock = new VirtualClock();
    const monitor = new NetworkMonitor({ platform: reactNativeNetworkStatus(netInfo), timers: clock, probe: { health: () => Promise.reject(new Error('down')) } });
    const online: boolean[] = [];
    monitor.subscribe((o) => online.push(o));
    netInfo.emit({ isConnected: false });
    expect(monitor.quality()).toBe('offline');
    netInfo.emit({ isConnected: true });
    const failure = { operation: 'pull' as const, durationMs: 5000, bytesSent: 0, bytesReceived: 0, items: 0, failure: 'timeout' as const };
    monitor.record(failure);
    monitor.record(failure);
    expect(monitor.snapshot().linkDown).toBe(true);
    netInfo.emit({ isConnected: false });
    netInfo.emit({ isConnected: true });
    expect(monitor.snapshot().linkDown).toBe(false);
    expect(online).toEqual([false, true, false, true]);
    monitor.close();
    expect(clock.pending).toBe(0);
  });
});

describe('NetworkManager facade', () => {
  it('isSyncRecommended follows quality; optimizeForConnection keeps what the app pinned', () => {
    const manager = new NetworkManager({ timers: new VirtualClock(), metrics: { alpha: 1 }, hysteresis: { confirmSamples: 1 } });
    const slow = { operation: 'health' as const, durationMs: 900, bytesSent: 0, bytesReceived: 10, items: 0 };
    manager.monitor.record(slow);
    expect(manager.getQuality()).toBe('poor');
    expect(manager.isSyncRecommended('light')).toBe(true);
    expect(manager.isSyncRecommended('medium')).toBe(false);
    expect(manager.isSyncRecommended('heavy')).toBe(false);
    const plan = manager.optimizeForConnection({ pushBatchSize: 7, compress: undefined });
    expect(plan.pushBatchSize).toBe(7);
    expect(plan.compress).toBe(true);
    expect(plan.requestTimeoutMs).toBeGreaterThan(3600);
    manager.close();
  });
});
