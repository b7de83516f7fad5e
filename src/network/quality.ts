/**
 * Link quality classes and the hysteresis that keeps them from flapping.
 *
 * Two mechanisms, because each alone fails: a dead band (to leave a class the metrics must be worse
 * or better than the boundary by `margin`) stops noise around a boundary, and confirmation (the new
 * class must be seen `confirmSamples` times in a row) stops a single outlier from switching.
 */
import type { LinkEstimate } from './link-metrics.js';

export type QualityClass = 'offline' | 'poor' | 'fair' | 'good' | 'excellent';

export const QUALITY_RANK: Record<QualityClass, number> = { offline: 0, poor: 1, fair: 2, good: 3, excellent: 4 };
const BY_RANK: QualityClass[] = ['offline', 'poor', 'fair', 'good', 'excellent'];

export interface QualityThresholds {
  /** Highest RTT (ms) for excellent, good and fair; above the last: poor. */
  rttMs: readonly [number, number, number];
  /** Lowest throughput (bytes/s) for excellent, good and fair; below the last: poor. */
  bytesPerSecond: readonly [number, number, number];
  /** Failure rates above which the link is at best fair, and poor. */
  failureRate: readonly [number, number];
}

/** RTT 75/200/600 ms; 10 Mbit/s, 2 Mbit/s, 320 kbit/s; 10 % and 30 % failures. */
export const defaultQualityThresholds: QualityThresholds = {
  rttMs: [75, 200, 600],
  bytesPerSecond: [1_250_000, 250_000, 40_000],
  failureRate: [0.1, 0.3],
};

export interface HysteresisOptions {
  /** Relative distance past a boundary needed to leave the current class. Default 0.25. */
  margin?: number;
  /** Consecutive samples that must agree on a new class before switching. Default 3. */
  confirmSamples?: number;
}

type Metrics = Pick<LinkEstimate, 'rttMs' | 'bytesPerSecond' | 'failureRate'>;

/** The class the metrics fall in, without hysteresis. Unmeasured dimensions do not limit it. */
export function classify(m: Metrics, t: QualityThresholds = defaultQualityThresholds): Exclude<QualityClass, 'offline'> {
  let rank = 4;
  if (m.rttMs !== undefined) rank = Math.min(rank, 4 - countWhile(t.rttMs, (bound) => m.rttMs! > bound));
  if (m.bytesPerSecond !== undefined) rank = Math.min(rank, 4 - countWhile(t.bytesPerSecond, (bound) => m.bytesPerSecond! < bound));
  if (m.failureRate > t.failureRate[1]) rank = Math.min(rank, 1);
  else if (m.failureRate > t.failureRate[0]) rank = Math.min(rank, 2);
  return BY_RANK[Math.max(rank, 1)] as Exclude<QualityClass, 'offline'>;
}

function countWhile(bounds: readonly number[], past: (bound: number) => boolean): number {
  let n = 0;
  while (n < bounds.length && past(bounds[n]!)) n += 1;
  return n;
}

/** Metrics moved `factor` towards worse (factor > 1) or better (factor < 1). */
function scaled(m: Metrics, factor: number): Metrics {
  return {
    rttMs: m.rttMs === undefined ? undefined : m.rttMs * factor,
    bytesPerSecond: m.bytesPerSecond === undefined ? undefined : m.bytesPerSecond / factor,
    failureRate: Math.min(1, m.failureRate * factor),
  };
}

/** The current online quality class, changed only through hysteresis. */
export class QualityTracker {
  readonly #t: QualityThresholds;
  readonly #margin: number;
  readonly #confirm: number;
  #current: Exclude<QualityClass, 'offline'>;
  #candidate: QualityClass | undefined;
  #seen = 0;

  constructor(initial: Exclude<QualityClass, 'offline'>, thresholds: QualityThresholds, options: HysteresisOptions = {}) {
    this.#current = initial;
    this.#t = thresholds;
    this.#margin = options.margin ?? 0.25;
    this.#confirm = options.confirmSamples ?? 3;
  }

  get current(): Exclude<QualityClass, 'offline'> {
    return this.#current;
  }

  /** Feed the latest metrics; returns true when the class changed. */
  update(m: Metrics): boolean {
    const worst = QUALITY_RANK[classify(scaled(m, 1 + this.#margin), this.#t)];
    const best = QUALITY_RANK[classify(scaled(m, 1 / (1 + this.#margin)), this.#t)];
    const rank = QUALITY_RANK[this.#current];
    if (rank >= worst && rank <= best) {
      this.#candidate = undefined; // inside the dead band: stay
      return false;
    }
    const target = classify(m, this.#t);
    this.#seen = target === this.#candidate ? this.#seen + 1 : 1;
    this.#candidate = target;
    if (this.#seen < this.#confirm) return false;
    this.#current = target;
    this.#candidate = undefined;
    return true;
  }
}
