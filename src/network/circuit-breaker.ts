/**
 * A circuit breaker as a Transport decorator: after `failureThreshold` consecutive failures that
 * suggest the server or link is struggling (timeouts, network errors, 5xx, 429) it stops sending and
 * fails fast with a retryable `CircuitOpenError` carrying `retryAfterMs`, so the sync loop's backoff waits out the
 * open period instead of hammering. When the period ends, one call half-opens it: a `health()` probe
 * first, then that call itself as the trial. Success closes the circuit; failure reopens it for twice
 * as long (capped).
 *
 *   closed ── N failures ─▶ open ── openMs elapsed, next call ─▶ half-open ── probe + trial ok ─▶ closed
 *                            ▲                                        │ failure
 *                            └──────────── openMs × 2 (capped) ◀──────┘
 */
import { CircuitOpenError, isSynclineError, ServerError } from '../core/errors.js';
import { systemTimers, type Timers } from '../core/seams.js';
import type { HealthResponse, PullRequest, PullResponse, PushRequest, PushResponse } from '../protocol/wire.js';
import type { RequestOptions, Transport, TransportStats } from '../transport/transport.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** First open period, ms. Default 5000. */
  openMs?: number;
  /** Longest open period, ms. Default 60 000. */
  maxOpenMs?: number;
  /** Deadline of the half-open probe, ms. Default 5000. */
  probeTimeoutMs?: number;
  timers?: Timers;
  /** Told about every state change (for logs and UI). */
  onStateChange?(state: CircuitState): void;
}

export interface CircuitBreakerTransport extends Transport {
  state(): CircuitState;
}

export function createCircuitBreaker(inner: Transport, options: CircuitBreakerOptions = {}): CircuitBreakerTransport {
  return new CircuitBreaker(inner, options);
}

class CircuitBreaker implements CircuitBreakerTransport {
  readonly #inner: Transport;
  readonly #o: CircuitBreakerOptions;
  readonly #timers: Timers;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openMs: number;
  #openUntil = 0;

  constructor(inner: Transport, options: CircuitBreakerOptions) {
    this.#inner = inner;
    this.#o = options;
    this.#timers = options.timers ?? systemTimers;
    this.#openMs = options.openMs ?? 5000;
  }

  push(request: PushRequest, options?: RequestOptions): Promise<PushResponse> {
    return this.#guard(() => this.#inner.push(request, options), options);
  }

  pull(request: PullRequest, options?: RequestOptions): Promise<PullResponse> {
    return this.#guard(() => this.#inner.pull(request, options), options);
  }

  health(options?: RequestOptions): Promise<HealthResponse> {
    return this.#guard(() => this.#inner.health(options), options);
  }

  stats(): TransportStats {
    return this.#inner.stats();
  }

  async close(): Promise<void> {
    await this.#inner.close?.();
  }

  state(): CircuitState {
    return this.#state;
  }

  async #guard<T>(call: () => Promise<T>, options: RequestOptions | undefined): Promise<T> {
    if (this.#state === 'half-open') throw this.#fastFailure(); // one trial at a time
    if (this.#state === 'open') {
      if (this.#timers.now() < this.#openUntil) throw this.#fastFailure();
      this.#setState('half-open');
      await this.#probe(options);
    }
    try {
      const result = await call();
      this.#succeeded();
      return result;
    } catch (error) {
      this.#failed(error);
      throw error;
    }
  }

  async #probe(options: RequestOptions | undefined): Promise<void> {
    try {
      await this.#inner.health({ signal: options?.signal, timeoutMs: this.#o.probeTimeoutMs ?? 5000 });
    } catch (error) {
      this.#failed(error);
      throw this.#fastFailure(error);
    }
  }

  #succeeded(): void {
    this.#failures = 0;
    this.#openMs = this.#o.openMs ?? 5000;
    this.#setState('closed');
  }

  #failed(error: unknown): void {
    if (!countsAsFailure(error)) {
      // The server answered (a 4xx) or the caller aborted: not a sign of overload. A half-open
      // trial that ends this way still proved the server is there.
      if (this.#state === 'half-open') this.#succeeded();
      return;
    }
    this.#failures += 1;
    if (this.#state === 'half-open') {
      this.#open(Math.min(this.#openMs * 2, this.#o.maxOpenMs ?? 60_000));
    } else if (this.#failures >= (this.#o.failureThreshold ?? 5)) {
      this.#open(this.#openMs);
    }
  }

  #open(ms: number): void {
    this.#openMs = ms;
    this.#openUntil = this.#timers.now() + ms;
    this.#setState('open');
  }

  #setState(state: CircuitState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#o.onStateChange?.(state);
  }

  #fastFailure(cause?: unknown): CircuitOpenError {
    const retryAfterMs = Math.max(0, this.#openUntil - this.#timers.now());
    return new CircuitOpenError(`Not sent: the last ${this.#failures} requests failed, so the client's circuit breaker paused sending for ${retryAfterMs} ms to let the server or link recover. Sync resumes by itself.`, {
      retryAfterMs,
      details: { consecutiveFailures: this.#failures },
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

/** Timeouts, network failures, 5xx and 429 count; other answers and aborts do not. */
function countsAsFailure(error: unknown): boolean {
  if (!isSynclineError(error)) return true;
  if (error.code === 'timeout' || error.code === 'transport') return true;
  if (error instanceof ServerError) return error.status >= 500 || error.status === 429;
  return false;
}
