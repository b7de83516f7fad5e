/**
 * `NetworkManager`: a thin facade with the method names apps know (`startMonitoring`,
 * `optimizeForConnection`, `isSyncRecommended`) over one NetworkMonitor and its adaptive planner.
 *
 * @example
 * const http = createHttpTransport({ url });
 * const network = new NetworkManager({ platform: browserNetworkStatus(), probe: http });
 * network.startMonitoring();
 * const client = await createClient({ store, transport: network.measure(http), network: network.monitor, planner: network.planner });
 */
import type { Transport } from '../transport/transport.js';
import type { AdaptivePlan, AdaptivePlanOverrides } from './adaptive-plan.js';
import { createAdaptivePlanner, type AdaptivePlanner, type AdaptivePlannerOptions } from './adaptive-planner.js';
import { NetworkMonitor, type NetworkChangedEvent, type NetworkMonitorOptions, type NetworkSnapshot, type SyncWeight } from './network-monitor.js';
import type { QualityClass } from './quality.js';

export interface NetworkManagerOptions extends NetworkMonitorOptions {
  /** Tuning and pinned knobs of the adaptive planner. */
  planner?: AdaptivePlannerOptions;
}

export class NetworkManager {
  readonly monitor: NetworkMonitor;
  readonly planner: AdaptivePlanner;

  constructor(options: NetworkManagerOptions = {}) {
    this.monitor = new NetworkMonitor(options);
    this.planner = createAdaptivePlanner(this.monitor, options.planner);
  }

  startMonitoring(): void {
    this.monitor.startMonitoring();
  }

  stopMonitoring(): void {
    this.monitor.stopMonitoring();
  }

  /** The plan for the current link; values given in `options` are kept as they are. */
  optimizeForConnection(options: AdaptivePlanOverrides = {}): AdaptivePlan {
    const pinned = Object.entries(options).filter(([, value]) => value !== undefined);
    return { ...this.planner.plan(), ...Object.fromEntries(pinned) };
  }

  isSyncRecommended(weight: SyncWeight): boolean {
    return this.monitor.isSyncRecommended(weight);
  }

  getQuality(): QualityClass {
    return this.monitor.quality();
  }

  getSnapshot(): NetworkSnapshot {
    return this.monitor.snapshot();
  }

  /** Wrap a transport so its requests feed the measurements. */
  measure(transport: Transport): Transport {
    return this.monitor.measure(transport);
  }

  onChange(listener: (event: NetworkChangedEvent) => void): () => void {
    return this.monitor.on('network.changed', listener);
  }

  close(): void {
    this.monitor.close();
  }
}
