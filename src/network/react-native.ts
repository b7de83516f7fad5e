/**
 * React Native connectivity through `@react-native-community/netinfo`, passed in by the app so
 * syncline has no dependency on it.
 *
 * @example
 * import NetInfo from '@react-native-community/netinfo';
 * const monitor = createNetworkMonitor({ platform: reactNativeNetworkStatus(NetInfo), probe: http });
 *
 * `isInternetReachable` (NetInfo's own reachability check) counts when it is known; `null` means
 * "not checked yet" and is treated as reachable, so a fresh app does not start offline.
 */
import type { NetworkStatus } from '../core/seams.js';

/** The subset of NetInfo's state syncline reads. */
export interface NetInfoStateLike {
  isConnected: boolean | null;
  isInternetReachable?: boolean | null | undefined;
}

/** The subset of the NetInfo module syncline calls. */
export interface NetInfoLike {
  addEventListener(listener: (state: NetInfoStateLike) => void): () => void;
  fetch?(): Promise<NetInfoStateLike>;
}

export function reactNativeNetworkStatus(netInfo: NetInfoLike): NetworkStatus {
  let online = true;
  const listeners = new Set<(online: boolean) => void>();
  let detach: (() => void) | undefined;
  const apply = (state: NetInfoStateLike): void => {
    const next = state.isConnected !== false && state.isInternetReachable !== false;
    if (next === online) return;
    online = next;
    for (const listener of [...listeners]) {
      try {
        listener(online);
      } catch {
        // One broken listener must not keep the change from the others, nor break NetInfo's own loop.
      }
    }
  };
  // The initial state arrives asynchronously; until then we assume online and let requests tell.
  void netInfo.fetch?.().then(apply, () => undefined);
  return {
    isOnline: () => online,
    subscribe(listener) {
      if (listeners.size === 0) detach = netInfo.addEventListener(apply);
      listeners.add(listener);
      return () => {
        if (!listeners.delete(listener)) return;
        if (listeners.size === 0) {
          detach?.();
          detach = undefined;
        }
      };
    },
  };
}
