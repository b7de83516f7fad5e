/**
 * A transport decorator that injects network faults — drops, 503s, responses lost after the commit,
 * duplicate deliveries, latency and limited bandwidth — from a seeded generator, so a failing
 * simulation replays exactly. Every call draws the same five numbers whatever is configured, so
 * changing one probability does not reshuffle when the other faults strike.
 */
import { AbortedError, InvalidArgumentError, ServerError, TransportError } from '../core/errors.js';
import { sleep, systemTimers, type Timers } from '../core/seams.js';
import type { HealthResponse, PullRequest, PullResponse, PushRequest, PushResponse } from '../protocol/wire.js';
import type { RequestOptions, Transport, TransportStats } from '../transport/transport.js';
import { utf8ByteLength } from '../transport/utf8.js';
import { createPrng, type Prng } from './prng.js';

/** Fault probabilities (0..1) and network shape; all default to "no fault". */
export interface FaultRates {
  /** Fail with TransportError before the request reaches the inner transport. */
  dropRequest?: number | undefined;
  /** Fail with a retryable ServerError 503 before the request reaches the inner transport. */
  serverError?: number | undefined;
  /** Deliver the request (the server commits), then fail with TransportError: the lost-response case. */
  lostResponse?: number | undefined;
  /** Deliver the request twice in a row and return the second response. */
  duplicateDelivery?: number | undefined;
  /** Extra delay before each request is delivered, drawn uniformly from [min, max] ms. */
  latencyMs?: { min: number; max: number } | undefined;
  /** Extra delay of (JSON bytes / this) seconds, for the request and again for the response. */
  bandwidthBytesPerSecond?: number | undefined;
}

export interface FaultOptions extends FaultRates {
  /** Seed of the generator: same seed and same call sequence give the same faults. */
  seed: number;
  /** Timer seam for the delays. Default `systemTimers` (works with Vitest fake timers). */
  timers?: Timers;
}

export interface FaultCounts {
  dropped: number;
  serverErrors: number;
  lostResponses: number;
  duplicates: number;
}

export interface FaultTransport extends Transport {
  /** While offline every call fails at once with TransportError, without reaching the inner transport. */
  setOffline(offline: boolean): void;
  /** Change some fault settings from now on; the others keep their values. */
  setFaults(faults: FaultRates): void;
  /** How often each fault has struck so far. */
  faults(): FaultCounts;
  close(): Promise<void>;
}

export function createFaultTransport(inner: Transport, options: FaultOptions): FaultTransport {
  return new FaultInjectingTransport(inner, options);
}

type Operation = 'push' | 'pull' | 'health';

/** One call's draws from the generator, taken up front so every call consumes the same amount. */
interface Dice {
  drop: number;
  serverError: number;
  duplicate: number;
  lost: number;
  latency: number;
}

class FaultInjectingTransport implements FaultTransport {
  readonly #inner: Transport;
  readonly #prng: Prng;
  readonly #timers: Timers;
  #rates: FaultRates = {};
  #offline = false;
  readonly #counts: FaultCounts = { dropped: 0, serverErrors: 0, lostResponses: 0, duplicates: 0 };

  constructor(inner: Transport, options: FaultOptions) {
    this.#inner = inner;
    this.#prng = createPrng(options.seed);
    this.#timers = options.timers ?? systemTimers;
    this.setFaults(options);
  }

  push(request: PushRequest, options?: RequestOptions): Promise<PushResponse> {
    return this.#deliver('push', request, (o) => this.#inner.push(request, o), options);
  }

  pull(request: PullRequest, options?: RequestOptions): Promise<PullResponse> {
    return this.#deliver('pull', request, (o) => this.#inner.pull(request, o), options);
  }

  health(options?: RequestOptions): Promise<HealthResponse> {
    return this.#deliver('health', undefined, (o) => this.#inner.health(o), options);
  }

  stats(): TransportStats {
    return this.#inner.stats();
  }

  async close(): Promise<void> {
    await this.#inner.close?.();
  }

  setOffline(offline: boolean): void {
    this.#offline = offline;
  }

  setFaults(faults: FaultRates): void {
    const next = { ...this.#rates, ...pickRates(faults) };
    validateRates(next);
    this.#rates = next;
  }

  faults(): FaultCounts {
    return { ...this.#counts };
  }

  async #deliver<T>(op: Operation, request: unknown, send: (options?: RequestOptions) => Promise<T>, options: RequestOptions = {}): Promise<T> {
    const dice = this.#roll();
    const rates = this.#rates;
    this.#checkReachable(op, options.signal);
    await this.#delay(op, this.#latency(dice.latency) + this.#transferMs(request), options.signal);
    this.#checkReachable(op, options.signal);
    if (dice.drop < (rates.dropRequest ?? 0)) {
      this.#counts.dropped += 1;
      throw new TransportError(`Simulated fault: the ${op} request was dropped before it reached the server.`);
    }
    if (dice.serverError < (rates.serverError ?? 0)) {
      this.#counts.serverErrors += 1;
      throw new ServerError(503, 'unavailable', `Simulated fault: the server answered the ${op} request with 503.`, { retryable: true });
    }
    let response = await send(options);
    if (dice.duplicate < (rates.duplicateDelivery ?? 0)) {
      this.#counts.duplicates += 1;
      response = await send(options);
    }
    if (dice.lost < (rates.lostResponse ?? 0)) {
      this.#counts.lostResponses += 1;
      throw new TransportError(`Simulated fault: the ${op} request reached the server (it may have committed) but its response was lost.`);
    }
    await this.#delay(op, this.#transferMs(response), options.signal);
    return response;
  }

  #roll(): Dice {
    const next = (): number => this.#prng.next();
    return { drop: next(), serverError: next(), duplicate: next(), lost: next(), latency: next() };
  }

  #checkReachable(op: Operation, signal: AbortSignal | undefined): void {
    if (signal?.aborted) throw new AbortedError(`The ${op} request was aborted by the caller.`, { cause: signal.reason });
    if (this.#offline) throw new TransportError(`The ${op} request failed: offline (simulated with setOffline(true)).`);
  }

  #latency(draw: number): number {
    const range = this.#rates.latencyMs;
    return range === undefined ? 0 : Math.round(range.min + draw * (range.max - range.min));
  }

  #transferMs(body: unknown): number {
    const bandwidth = this.#rates.bandwidthBytesPerSecond;
    if (bandwidth === undefined || body === undefined) return 0;
    return Math.round((utf8ByteLength(JSON.stringify(body)) / bandwidth) * 1000);
  }

  async #delay(op: Operation, ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (ms <= 0) return;
    try {
      await sleep(this.#timers, ms, signal);
    } catch (error) {
      throw new AbortedError(`The ${op} request was aborted by the caller.`, { cause: error });
    }
  }
}

const RATE_KEYS = ['dropRequest', 'serverError', 'lostResponse', 'duplicateDelivery', 'latencyMs', 'bandwidthBytesPerSecond'] as const;

// FaultOptions also carries seed and timers; keep only the fault settings (and only keys given).
function pickRates(faults: FaultRates): FaultRates {
  const picked: Record<string, unknown> = {};
  for (const key of RATE_KEYS) if (key in faults) picked[key] = faults[key];
  return picked as FaultRates;
}

function validateRates(rates: FaultRates): void {
  for (const key of ['dropRequest', 'serverError', 'lostResponse', 'duplicateDelivery'] as const) {
    const p = rates[key];
    if (p !== undefined && !(p >= 0 && p <= 1)) throw new InvalidArgumentError(`FaultOptions.${key} must be a probability in [0, 1], got ${p}.`);
  }
  const latency = rates.latencyMs;
  if (latency !== undefined && !(latency.min >= 0 && latency.max >= latency.min)) {
    throw new InvalidArgumentError(`FaultOptions.latencyMs needs 0 <= min <= max, got ${JSON.stringify(latency)}.`);
  }
  const bandwidth = rates.bandwidthBytesPerSecond;
  if (bandwidth !== undefined && !(bandwidth > 0)) {
    throw new InvalidArgumentError(`FaultOptions.bandwidthBytesPerSecond must be positive, got ${bandwidth}.`);
  }
}
