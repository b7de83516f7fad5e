/**
 * Request rate limits: token buckets per credential (the bearer token as sent) and per client
 * (`clientId`), each refilled at `perSecond` up to `burst`. A request finding its bucket empty is
 * refused with 429 `rate-limited` and a Retry-After saying when one request will be allowed again —
 * clients already back off that long. The buckets live in this server instance's memory: behind a
 * load balancer each instance counts on its own (N instances allow up to N × the rate).
 */
import { InvalidArgumentError } from '../core/errors.js';
import { HttpError } from './http-errors.js';

export interface RateLimit {
  /** Sustained requests per second. */
  perSecond: number;
  /** Requests allowed at once after a quiet spell (the bucket's size). Default 2 × perSecond, at least 1. */
  burst?: number;
}

export interface RateLimitOptions {
  /** Per bearer token (checked before the token is verified, so bad tokens are limited too). */
  perToken?: RateLimit;
  /** Per `clientId` of push and pull requests. */
  perClient?: RateLimit;
  /** Buckets kept per kind; beyond it the least recently used is forgotten. Default 100 000. */
  maxTracked?: number;
}

export type RateLimitKind = 'token' | 'client';

/** Takes one request from `key`'s bucket or throws 429 `rate-limited`. */
export type RateCheck = (key: string) => void;

interface Bucket {
  tokens: number;
  at: number;
}

const DEFAULT_MAX_TRACKED = 100_000;

/** A limiter for one kind of key, or undefined when that limit is off. `now` in ms (injectable for tests). */
export function createRateCheck(kind: RateLimitKind, limit: RateLimit | undefined, maxTracked = DEFAULT_MAX_TRACKED, now: () => number = () => performance.now()): RateCheck | undefined {
  if (limit === undefined) return undefined;
  const { perSecond, burst } = validate(kind, limit);
  const buckets = new Map<string, Bucket>();
  return (key) => {
    const t = now();
    const found = buckets.get(key);
    const bucket = found === undefined ? { tokens: burst, at: t } : refill(found, t, perSecond, burst);
    // Re-inserted on every use, so the Map's first entry is always the least recently used.
    buckets.delete(key);
    buckets.set(key, bucket);
    if (buckets.size > maxTracked) buckets.delete(buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
    throw new HttpError(429, 'rate-limited', `Too many requests for this ${kind === 'token' ? 'token' : 'client'} (at most ${perSecond}/s, bursts of ${burst}); retry after ${retryAfter} s.`, {
      retryable: true,
      headers: { 'retry-after': String(retryAfter) },
      details: { limit: kind, perSecond, burst, retryAfterSeconds: retryAfter },
    });
  };
}

function refill(bucket: Bucket, t: number, perSecond: number, burst: number): Bucket {
  return { tokens: Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * perSecond), at: t };
}

function validate(kind: RateLimitKind, limit: RateLimit): { perSecond: number; burst: number } {
  const name = kind === 'token' ? 'limits.rate.perToken' : 'limits.rate.perClient';
  if (!(limit.perSecond > 0) || !Number.isFinite(limit.perSecond)) throw new InvalidArgumentError(`${name}.perSecond must be a positive number, got ${String(limit.perSecond)}.`);
  const burst = limit.burst ?? Math.max(1, Math.ceil(limit.perSecond * 2));
  if (!Number.isSafeInteger(burst) || burst < 1) throw new InvalidArgumentError(`${name}.burst must be a whole number >= 1, got ${String(limit.burst)}.`);
  return { perSecond: limit.perSecond, burst };
}

/** The credential a request presents (the whole Authorization value), or undefined without one. */
export function credentialOf(request: Request): string | undefined {
  const value = request.headers.get('authorization');
  return value === null || value === '' ? undefined : value;
}
