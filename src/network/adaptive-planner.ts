/**
 * `createAdaptivePlanner(monitor)`: the `SyncPlanner` seam fed by a NetworkMonitor. The client asks
 * it once per cycle; the HTTP transport can ask `shouldCompress()` per request.
 *
 * @example
 * const monitor = createNetworkMonitor({ platform: browserNetworkStatus(), probe: http });
 * const planner = createAdaptivePlanner(monitor, { targetRequestMs: 1500 });
 * const transport = monitor.measure(createHttpTransport({ url, compression: { requests: () => planner.shouldCompress() } }));
 * createClient({ store, transport, network: monitor, planner });
 */
import type { SyncPlanner } from '../core/planner.js';
import { computePlan, type AdaptivePlan, type AdaptivePlanOverrides, type AdaptivePlanTuning } from './adaptive-plan.js';
import type { NetworkMonitor } from './network-monitor.js';

export interface AdaptivePlannerOptions extends AdaptivePlanTuning, AdaptivePlanOverrides {}

export interface AdaptivePlanner extends SyncPlanner {
  plan(): AdaptivePlan;
  /** Whether request bodies should be compressed now (for `HttpTransportOptions.compression.requests`). */
  shouldCompress(): boolean;
}

const OVERRIDE_KEYS = ['pushBatchSize', 'pullPageSize', 'requestTimeoutMs', 'concurrency', 'compress'] as const;

export function createAdaptivePlanner(monitor: NetworkMonitor, options: AdaptivePlannerOptions = {}): AdaptivePlanner {
  const overrides: AdaptivePlanOverrides = {};
  const tuning: AdaptivePlanTuning = { ...options };
  for (const key of OVERRIDE_KEYS) {
    if (options[key] !== undefined) Object.assign(overrides, { [key]: options[key] });
    delete (tuning as Record<string, unknown>)[key];
  }
  const plan = (): AdaptivePlan => computePlan(monitor.snapshot(), monitor.quality(), tuning, overrides);
  return { plan, shouldCompress: () => plan().compress };
}
