/**
 * The adaptive policy as a pure function of the measured link: request sizes that aim at a target
 * request duration, a request deadline from RTT percentiles, how many requests may run at once, and
 * whether compressing is worth the CPU. Every knob can be pinned by the app.
 */
import type { SyncPlan } from '../core/planner.js';
import { LIMITS } from '../protocol/wire.js';
import type { LinkEstimate } from './link-metrics.js';
import { QUALITY_RANK, type QualityClass } from './quality.js';

export interface AdaptivePlan extends SyncPlan {
  /** Requests in flight at once: the cycle's pull fetches a page ahead from 2 (see `SyncPlan`); apps may use it for their own traffic. */
  concurrency: number;
  /** Whether request bodies should be gzip-compressed (worth it below "excellent"). */
  compress: boolean;
  /** The quality class the plan was made for. */
  quality: QualityClass;
}

export interface AdaptivePlanTuning {
  /** Aim every push/pull request at roughly this duration, ms. Default 2000. */
  targetRequestMs?: number;
  /** Bounds of the push batch. Default 10 … 1000 (the protocol maximum). */
  minPushBatch?: number;
  maxPushBatch?: number;
  /** Bounds of the pull page. Default 50 … 5000 (the protocol maximum). */
  minPullPage?: number;
  maxPullPage?: number;
  /** Bounds of the request deadline, ms. Default 3000 … 120 000. */
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
  /** Deadline while no RTT was measured yet, ms. Default 30 000. */
  unmeasuredTimeoutMs?: number;
}

/** Knobs the app pins: these win over everything measured (undefined = not pinned). */
export type AdaptivePlanOverrides = { [K in Exclude<keyof AdaptivePlan, 'quality'>]?: AdaptivePlan[K] | undefined };

/** Sizes per class, used until the link's throughput has been measured. */
const UNMEASURED: Record<QualityClass, { push: number; pull: number }> = {
  offline: { push: 20, pull: 100 },
  poor: { push: 20, pull: 100 },
  fair: { push: 50, pull: 500 },
  good: { push: 100, pull: 1000 },
  excellent: { push: 500, pull: 2500 },
};

export function computePlan(link: LinkEstimate, quality: QualityClass, tuning: AdaptivePlanTuning = {}, overrides: AdaptivePlanOverrides = {}): AdaptivePlan {
  const target = tuning.targetRequestMs ?? 2000;
  const sizes = batchSizes(link, quality, target, tuning);
  const plan: AdaptivePlan = {
    pushBatchSize: sizes.push,
    pullPageSize: sizes.pull,
    requestTimeoutMs: requestTimeout(link, target, tuning),
    // Fetching ahead hides the store's work behind the round trip, worth most on slow-RTT links; on a
    // poor one the page fetched ahead of a cancel or failure would waste bytes the link can barely carry.
    concurrency: QUALITY_RANK[quality] >= 4 ? 4 : QUALITY_RANK[quality] >= 2 ? 2 : 1,
    compress: QUALITY_RANK[quality] < 4,
    quality,
  };
  return { ...plan, ...definedOnly(overrides) };
}

function batchSizes(link: LinkEstimate, quality: QualityClass, target: number, t: AdaptivePlanTuning): { push: number; pull: number } {
  const pushBounds = [t.minPushBatch ?? 10, t.maxPushBatch ?? LIMITS.maxMutationsPerPush] as const;
  const pullBounds = [t.minPullPage ?? 50, t.maxPullPage ?? LIMITS.maxPullLimit] as const;
  if (link.bytesPerSecond === undefined) {
    const fixed = UNMEASURED[quality];
    return { push: clamp(fixed.push, ...pushBounds), pull: clamp(fixed.pull, ...pullBounds) };
  }
  // Time left for moving bytes once the round trip is paid; at least a quarter of the target so a
  // very slow RTT still yields batches that make progress.
  const budgetMs = Math.max(target - (link.rttMs ?? 0), target / 4);
  const bytes = (link.bytesPerSecond * budgetMs) / 1000;
  return {
    push: clamp(Math.floor(bytes / link.bytesPerMutation), ...pushBounds),
    pull: clamp(Math.floor(bytes / link.bytesPerChange), ...pullBounds),
  };
}

/**
 * A deadline that a healthy request of the planned size meets with room to spare: four times the
 * RTT's 95th percentile (queueing and jitter) plus three times the target transfer time.
 */
function requestTimeout(link: LinkEstimate, target: number, t: AdaptivePlanTuning): number {
  if (link.rttP95Ms === undefined) return t.unmeasuredTimeoutMs ?? 30_000;
  return clamp(Math.ceil(4 * link.rttP95Ms + 3 * target), t.minTimeoutMs ?? 3000, t.maxTimeoutMs ?? 120_000);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function definedOnly(value: AdaptivePlanOverrides): Partial<AdaptivePlan> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<AdaptivePlan>;
}
