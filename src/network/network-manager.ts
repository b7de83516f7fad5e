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
import { InvalidArgumentError } from '../core/errors.js';
import type { Transport } from '../transport/transport.js';
import type { AdaptivePlan, AdaptivePlanOverrides } from './adaptive-plan.js';
import { checkPlanOverrides } from './plan-overrides.js';
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
  /** True when the app stated the link quality (`initialQuality`), so it is not a guess before measuring. */
  readonly #qualityStated: boolean;

  constructor(options: NetworkManagerOptions = {}) {
    this.monitor = new NetworkMonitor(options);
    this.#qualityStated = options.initialQuality !== undefined;
    this.planner = createAdaptivePlanner(this.monitor, options.planner);
  }

  startMonitoring(): void {
    this.monitor.startMonitoring();
  }

  stopMonitoring(): void {
    this.monitor.stopMonitoring();
  }

  /**
   * The plan for the current link; values given in `options` (pushBatchSize, pullPageSize,
   * requestTimeoutMs, concurrency, compress) are kept as they are. An unknown key or a value out of
   * range throws `InvalidArgumentError`.
   */
  optimizeForConnection(options: AdaptivePlanOverrides = {}): AdaptivePlan {
    const pinned = Object.entries(checkPlanOverrides(options)).filter(([, value]) => value !== undefined);
    return { ...this.planner.plan(), ...Object.fromEntries(pinned) };
  }

  /**
   * Whether a sync of this weight is worth starting now: `false` while offline; `true` for a light
   * sync while online (it is also how the link gets measured); for medium and heavy, `undefined`
   * ("unknown") until a request or probe has measured the link — falsy, so
   * `if (network.isSyncRecommended('heavy'))` waits for a measurement instead of trusting a guess.
   */
  isSyncRecommended(weight: SyncWeight): boolean | undefined {
    if (weight !== 'light' && weight !== 'medium' && weight !== 'heavy') {
      throw new InvalidArgumentError(`isSyncRecommended takes 'light', 'medium' or 'heavy', got ${JSON.stringify(weight)}.`);
    }
    if (!this.monitor.isOnline()) return false;
    if (weight !== 'light' && !this.isMeasured()) return undefined;
    return this.monitor.isSyncRecommended(weight);
  }

  /** The link's quality class, or 'unknown' while online and nothing has been measured (nor stated). */
  getQuality(): QualityClass | 'unknown' {
    if (this.monitor.isOnline() && !this.isMeasured()) return 'unknown';
    return this.monitor.quality();
  }

  /** Whether a request or probe has measured the link's RTT or throughput (or the app stated its quality). */
  isMeasured(): boolean {
    if (this.#qualityStated) return true;
    const { rttMs, bytesPerSecond } = this.monitor.snapshot();
    return rttMs !== undefined || bytesPerSecond !== undefined;
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
