// The NetworkStatus conformance suite over every adapter: the browser one (a fake window), the
// always-online null object, React Native's NetInfo adapter (a fake NetInfo) and the NetworkMonitor.
import { alwaysOnline, browserNetworkStatus } from '../../src/core/seams.js';
import { NetworkMonitor } from '../../src/network/network-monitor.js';
import { reactNativeNetworkStatus, type NetInfoStateLike } from '../../src/network/react-native.js';
import { runNetworkStatusConformance } from '../../src/testing.js';
import { VirtualClock } from './virtual-clock.js';

type Handler = (event: Event) => void;

/** `navigator.onLine` plus `online`/`offline` events, remembering which listeners are attached. */
function fakeWindow() {
  const attached = new Map<string, Set<Handler>>([['online', new Set()], ['offline', new Set()]]);
  const navigator = { onLine: true };
  const fire = (online: boolean): void => {
    navigator.onLine = online;
    const type = online ? 'online' : 'offline';
    for (const handler of [...(attached.get(type) ?? [])]) handler(new Event(type));
  };
  return {
    navigator,
    addEventListener: ((type: string, handler: Handler) => attached.get(type)?.add(handler)) as EventTarget['addEventListener'],
    removeEventListener: ((type: string, handler: Handler) => attached.get(type)?.delete(handler)) as EventTarget['removeEventListener'],
    goOnline: () => fire(true),
    goOffline: () => fire(false),
    count: () => [...attached.values()].reduce((n, set) => n + set.size, 0),
  };
}

/** The NetInfo module as far as syncline uses it; like the real one, a new listener hears the current state at once. */
function fakeNetInfo() {
  const listeners = new Set<(state: NetInfoStateLike) => void>();
  let state: NetInfoStateLike = { isConnected: true, isInternetReachable: true };
  const set = (next: NetInfoStateLike): void => {
    state = next;
    for (const listener of [...listeners]) listener(state);
  };
  return {
    addEventListener(listener: (state: NetInfoStateLike) => void) {
      listeners.add(listener);
      listener(state);
      return () => {
        listeners.delete(listener);
      };
    },
    fetch: async () => state,
    goOnline: () => set({ isConnected: true, isInternetReachable: true }),
    goOffline: () => set({ isConnected: false, isInternetReachable: false }),
    count: () => listeners.size,
  };
}

runNetworkStatusConformance('browserNetworkStatus (fake window)', {
  open: () => {
    const window = fakeWindow();
    return { status: browserNetworkStatus(window), goOnline: window.goOnline, goOffline: window.goOffline, attachedListeners: window.count };
  },
});

runNetworkStatusConformance('alwaysOnline', {
  // Node has no connectivity signal: the null object says online and lets request outcomes decide.
  noPlatformSignal: true,
  open: () => ({ status: alwaysOnline, goOnline: () => {}, goOffline: () => {}, attachedListeners: () => 0 }),
});

runNetworkStatusConformance('browserNetworkStatus without navigator.onLine (falls back to alwaysOnline)', {
  noPlatformSignal: true,
  open: () => {
    const window = fakeWindow();
    const status = browserNetworkStatus({ addEventListener: window.addEventListener, removeEventListener: window.removeEventListener });
    return { status, goOnline: window.goOnline, goOffline: window.goOffline, attachedListeners: window.count };
  },
});

runNetworkStatusConformance('reactNativeNetworkStatus (fake NetInfo)', {
  // NetInfo has no synchronous getter: without a subscription the adapter cannot see changes.
  tracksOnlyWhileSubscribed: true,
  open: async () => {
    const netInfo = fakeNetInfo();
    const status = reactNativeNetworkStatus(netInfo);
    await Promise.resolve(); // let the initial NetInfo.fetch() land
    return { status, goOnline: netInfo.goOnline, goOffline: netInfo.goOffline, attachedListeners: netInfo.count };
  },
});

runNetworkStatusConformance('NetworkMonitor over browserNetworkStatus (fake window)', {
  // The monitor's own online state and lie-fi reset follow platform events whoever listens to it.
  holdsPlatformListenersUntilClose: true,
  open: () => {
    const window = fakeWindow();
    const monitor = new NetworkMonitor({ platform: browserNetworkStatus(window), timers: new VirtualClock() });
    return { status: monitor, goOnline: window.goOnline, goOffline: window.goOffline, attachedListeners: window.count, close: () => monitor.close() };
  },
});
