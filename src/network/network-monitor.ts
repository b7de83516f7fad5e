/**
 * NetworkMonitor: what the platform says about connectivity, corrected by what the sync's own
 * requests measure. One per client instance; every platform signal and timer is injected.
 *
 *   online = platform online && link not down
 *   link down ("lie-fi"): `failuresUntilOffline` timeouts/network failures in a row (a first failure
 *   triggers a probe at once, so a dead link is noticed after one request deadline plus one probe
 *   deadline); cleared by the first successful probe or response, or a new platform `online` event.
 *   While down, `health()` probes run with capped exponential spacing.
 *
 * It implements the `NetworkStatus` seam (`subscribe` hears online/offline only, as that contract
 * says) and reports richer `network.changed` events through `on('network.changed', …)`.
 */
import { alwaysOnline, systemTimers, type NetworkStatus, type Timers } from '../core/seams.js';
import { Emitter } from '../core/subscribable.js';
import type { RequestOptions, Transport } from '../transport/transport.js';
import { computePlan, type AdaptivePlan, type AdaptivePlanOverrides, type AdaptivePlanTuning } from './adaptive-plan.js';
import { LinkMetrics, type LinkEstimate, type LinkMetricsOptions, type RequestSample } from './link-metrics.js';
import { createMeasuringTransport, failureKind } from './measuring-transport.js';
import { defaultQualityThresholds, QUALITY_RANK, QualityTracker, type HysteresisOptions, type QualityClass, type QualityThresholds } from './quality.js';

export interface NetworkMonitorOptions {
  /** Platform connectivity (`browserNetworkStatus()`, `reactNativeNetworkStatus(NetInfo)`). Default: always online, request outcomes decide (Node). */
  platform?: NetworkStatus;
  /** What probes call `health()` on. Default: the transport first passed to `measure()`. */
  probe?: Pick<Transport, 'health'>;
  /** Timer seam for probes and request timing. Default `systemTimers`. */
  timers?: Timers;
  /** Aborting it closes the monitor (probes stop). */
  signal?: AbortSignal;
  thresholds?: Partial<QualityThresholds>;
  hysteresis?: HysteresisOptions;
  metrics?: LinkMetricsOptions;
  /** Quality assumed before anything is measured. Default 'good'. */
  initialQuality?: Exclude<QualityClass, 'offline'>;
  /** Timeouts/network failures in a row after which the link counts as down. Default 2 (the first triggers a probe). */
  failuresUntilOffline?: number;
  /** While monitoring, probe when no request was measured for this long, ms. Default 60 000. */
  idleProbeMs?: number;
  /** Spacing of probes while the link is down: first and maximum, ms. Default 1000 and 30 000. */
  downProbeMs?: { initial: number; max: number };
  /** Probe deadline, ms. Default: 4 × RTT p95 (at least 1000), or 5000 while unmeasured. */
  probeTimeoutMs?: number;
}

export interface NetworkSnapshot extends LinkEstimate {
  online: boolean;
  platformOnline: boolean;
  /** True while requests fail although the platform says online (lie-fi / server unreachable). */
  linkDown: boolean;
  quality: QualityClass;
}

export interface NetworkChangedEvent {
  type: 'network.changed';
  online: boolean;
  quality: QualityClass;
  previous: { online: boolean; quality: QualityClass };
  snapshot: NetworkSnapshot;
}

export type SyncWeight = 'light' | 'medium' | 'heavy';

export class NetworkMonitor implements NetworkStatus {
  readonly #o: NetworkMonitorOptions;
  readonly #timers: Timers;
  readonly #platform: NetworkStatus;
  readonly #metrics: LinkMetrics;
  readonly #tracker: QualityTracker;
  readonly #onlineListeners = new Emitter<boolean>();
  readonly #changes = new Emitter<NetworkChangedEvent>();
  readonly #abort = new AbortController();
  readonly #detachPlatform: () => void;
  #platformOnline: boolean;
  #linkDown = false;
  #last: { online: boolean; quality: QualityClass };
  #lastActivity: number;
  #probing: Promise<boolean> | undefined;
  #downProbeDelay: number;
  #downTimer: unknown;
  #probeTarget: Pick<Transport, 'health'> | undefined;
  #idleTimer: unknown;

  constructor(options: NetworkMonitorOptions = {}) {
    this.#o = options;
    this.#timers = options.timers ?? systemTimers;
    this.#platform = options.platform ?? alwaysOnline;
    this.#metrics = new LinkMetrics(options.metrics);
    this.#tracker = new QualityTracker(options.initialQuality ?? 'good', { ...defaultQualityThresholds, ...options.thresholds }, options.hysteresis);
    this.#probeTarget = options.probe;
    this.#platformOnline = this.#platform.isOnline();
    this.#last = { online: this.isOnline(), quality: this.quality() };
    this.#lastActivity = this.#timers.now();
    this.#downProbeDelay = options.downProbeMs?.initial ?? 1000;
    this.#detachPlatform = this.#platform.subscribe((online) => this.#onPlatform(online));
    if (options.signal?.aborted) this.close();
    else options.signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  isOnline(): boolean {
    return this.#platformOnline && !this.#linkDown;
  }

  /** NetworkStatus seam: hears online/offline changes only. */
  subscribe(listener: (online: boolean) => void): () => void {
    return this.#onlineListeners.subscribe(listener);
  }

  /** Every change of online state or quality class. */
  on(_type: 'network.changed', listener: (event: NetworkChangedEvent) => void): () => void {
    return this.#changes.subscribe(listener);
  }

  quality(): QualityClass {
    return this.isOnline() ? this.#tracker.current : 'offline';
  }

  snapshot(): NetworkSnapshot {
    return { ...this.#metrics.estimate(), online: this.isOnline(), platformOnline: this.#platformOnline, linkDown: this.#linkDown, quality: this.quality() };
  }

  /** Wrap a transport so every request it makes is measured here. */
  measure(transport: Transport): Transport {
    this.#probeTarget ??= transport;
    return createMeasuringTransport(transport, this, this.#timers);
  }

  /** Feed one measured request (the measuring transport calls this). */
  record(sample: RequestSample): void {
    if (this.#abort.signal.aborted) return;
    this.#lastActivity = this.#timers.now();
    this.#metrics.record(sample);
    const estimate = this.#metrics.estimate();
    if (sample.failure === 'timeout' || sample.failure === 'network') {
      // Without a probe nothing could ever bring the link back up: then failures only lower quality.
      if (estimate.consecutiveFailures >= (this.#o.failuresUntilOffline ?? 2) && this.#probeTarget !== undefined) this.#setLinkDown(true);
      else void this.probe(); // suspicious: check cheaply now rather than after another full deadline
    } else {
      this.#setLinkDown(false);
      this.#tracker.update(estimate);
    }
    this.#publish();
  }

  /** Probe the health endpoint now; resolves whether it answered. Concurrent calls share one probe. */
  probe(): Promise<boolean> {
    const target = this.#probeTarget;
    if (target === undefined || this.#abort.signal.aborted) return Promise.resolve(false);
    this.#probing ??= this.#runProbe(target).finally(() => {
      this.#probing = undefined;
    });
    return this.#probing;
  }

  /** Whether a sync of this weight is worth starting now. */
  isSyncRecommended(weight: SyncWeight): boolean {
    if (!this.isOnline()) return false;
    const rank = QUALITY_RANK[this.quality()];
    if (weight === 'light') return true;
    if (weight === 'medium') return rank >= QUALITY_RANK.fair;
    return rank >= QUALITY_RANK.good;
  }

  /** The adaptive plan for the current link, with the app's own values (where given) kept. */
  optimizeForConnection(options: AdaptivePlanOverrides = {}, tuning?: AdaptivePlanTuning): AdaptivePlan {
    return computePlan(this.#metrics.estimate(), this.quality(), tuning, options);
  }

  /** Probe when idle for `idleProbeMs`, so the quality stays fresh without sync traffic. */
  startMonitoring(): void {
    if (this.#idleTimer !== undefined || this.#abort.signal.aborted) return;
    const every = this.#o.idleProbeMs ?? 60_000;
    const tick = (): void => {
      this.#idleTimer = this.#timers.setTimeout(tick, every);
      if (this.#timers.now() - this.#lastActivity >= every && this.isOnline()) void this.probe();
    };
    this.#idleTimer = this.#timers.setTimeout(tick, every);
    void this.probe();
  }

  stopMonitoring(): void {
    if (this.#idleTimer !== undefined) this.#timers.clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  /** Stop probes and timers and detach from the platform. Idempotent. */
  close(): void {
    if (this.#abort.signal.aborted) return;
    this.#abort.abort();
    this.stopMonitoring();
    this.#clearDownTimer();
    this.#detachPlatform();
    this.#onlineListeners.clear();
    this.#changes.clear();
  }

  async #runProbe(target: Pick<Transport, 'health'>): Promise<boolean> {
    const started = this.#timers.now();
    const options: RequestOptions = { signal: this.#abort.signal, timeoutMs: this.#probeTimeout() };
    try {
      await target.health(options);
      this.record({ operation: 'health', durationMs: this.#timers.now() - started, bytesSent: 0, bytesReceived: 0, items: 0 });
      return true;
    } catch (error) {
      const failure = failureKind(error);
      if (failure === 'ignore') return false;
      this.record({ operation: 'health', durationMs: this.#timers.now() - started, bytesSent: 0, bytesReceived: 0, items: 0, failure });
      // An error answer from the server still proves the link carries round trips.
      return failure === 'server';
    }
  }

  #probeTimeout(): number {
    if (this.#o.probeTimeoutMs !== undefined) return this.#o.probeTimeoutMs;
    const p95 = this.#metrics.percentile(0.95);
    return p95 === undefined ? 5000 : Math.max(1000, Math.ceil(4 * p95));
  }

  #onPlatform(online: boolean): void {
    this.#platformOnline = online;
    // A platform change is news about the network: forget the old verdict and measure afresh.
    if (online) this.#setLinkDown(false);
    this.#publish();
  }

  #setLinkDown(down: boolean): void {
    if (down === this.#linkDown) return;
    this.#linkDown = down;
    this.#clearDownTimer();
    this.#downProbeDelay = this.#o.downProbeMs?.initial ?? 1000;
    if (down) this.#scheduleDownProbe();
  }

  #scheduleDownProbe(): void {
    if (this.#abort.signal.aborted || this.#probeTarget === undefined) return;
    this.#downTimer = this.#timers.setTimeout(() => {
      this.#downTimer = undefined;
      void this.probe().then((ok) => {
        if (ok || !this.#linkDown) return;
        this.#downProbeDelay = Math.min(this.#downProbeDelay * 2, this.#o.downProbeMs?.max ?? 30_000);
        this.#scheduleDownProbe();
      });
    }, this.#downProbeDelay);
  }

  #clearDownTimer(): void {
    if (this.#downTimer !== undefined) this.#timers.clearTimeout(this.#downTimer);
    this.#downTimer = undefined;
  }

  #publish(): void {
    const next = { online: this.isOnline(), quality: this.quality() };
    const previous = this.#last;
    if (next.online === previous.online && next.quality === previous.quality) return;
    this.#last = next;
    if (next.online !== previous.online) this.#onlineListeners.emit(next.online);
    this.#changes.emit({ type: 'network.changed', ...next, previous, snapshot: this.snapshot() });
  }
}

export function createNetworkMonitor(options: NetworkMonitorOptions = {}): NetworkMonitor {
  return new NetworkMonitor(options);
}
