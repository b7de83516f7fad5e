/**
 * The server's abuse limits in one place, built from `SyncServerOptions.limits`: request rates per
 * token and per client, concurrent event streams per token, and the request-body deadline. All are
 * held in this instance's memory (see rate-limit.ts).
 */
import { InvalidArgumentError } from '../core/errors.js';
import { DEFAULT_BODY_TIMEOUT_MS } from './read-body.js';
import { createRateCheck, credentialOf, type RateCheck, type RateLimitOptions } from './rate-limit.js';
import { createStreamCap, type StreamCap } from './rate-limit-streams.js';

export interface AbuseLimitOptions {
  rate?: RateLimitOptions;
  maxStreamsPerToken?: number;
  bodyTimeoutMs?: number;
}

export interface AbuseLimits {
  /** Counts a request against its credential's bucket (requests without credentials are not counted: they get 401). */
  checkToken(request: Request): void;
  /** Counts a push or pull against its clientId's bucket. */
  checkClient(clientId: string): void;
  streams: StreamCap;
  bodyTimeoutMs: number;
}

export function createAbuseLimits(options: AbuseLimitOptions = {}): AbuseLimits {
  const maxTracked = options.rate?.maxTracked;
  const perToken: RateCheck | undefined = createRateCheck('token', options.rate?.perToken, maxTracked);
  const perClient: RateCheck | undefined = createRateCheck('client', options.rate?.perClient, maxTracked);
  const bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  if (!Number.isSafeInteger(bodyTimeoutMs) || bodyTimeoutMs < 1) throw new InvalidArgumentError(`limits.bodyTimeoutMs must be a whole number of ms >= 1, got ${String(bodyTimeoutMs)}.`);
  return {
    checkToken(request) {
      const credential = credentialOf(request);
      if (credential !== undefined) perToken?.(credential);
    },
    checkClient: (clientId) => perClient?.(clientId),
    streams: createStreamCap(options.maxStreamsPerToken),
    bodyTimeoutMs,
  };
}
