/**
 * A pass-through transport that notes when the first pull of a cycle starts, so an outbox drain can
 * report its push phase apart from the pull that follows it in the same cycle.
 */
import type { HealthResponse, PullRequest, PullResponse, PushRequest, PushResponse } from '../src/protocol/wire.js';
import type { RequestOptions, Transport, TransportStats } from '../src/transport/transport.js';

export class PhaseClock implements Transport {
  readonly #inner: Transport;
  #startedAt = 0;
  #firstPullAt: number | undefined;
  #atReset: TransportStats = { requests: 0, bytesSent: 0, bytesReceived: 0 };
  #atFirstPull: TransportStats | undefined;
  #pushes: Array<{ start: number; end: number }> = [];

  constructor(inner: Transport) {
    this.#inner = inner;
  }

  /** Start timing a new cycle at `now` (performance.now()). */
  reset(now: number): void {
    this.#startedAt = now;
    this.#firstPullAt = undefined;
    this.#atReset = this.#inner.stats();
    this.#atFirstPull = undefined;
    this.#pushes = [];
  }

  /** Milliseconds from `reset` to the first pull request (the push phase), or NaN if none. */
  pushPhaseMs(): number {
    return this.#firstPullAt === undefined ? Number.NaN : this.#firstPullAt - this.#startedAt;
  }

  /** Requests and bytes of the push phase alone (up to the first pull), or undefined if none. */
  pushPhaseStats(): TransportStats | undefined {
    const end = this.#atFirstPull;
    if (end === undefined) return undefined;
    return {
      requests: end.requests - this.#atReset.requests,
      bytesSent: end.bytesSent - this.#atReset.bytesSent,
      bytesReceived: end.bytesReceived - this.#atReset.bytesReceived,
    };
  }

  /**
   * How the push phase splits between waiting on push requests (network + server) and the client's
   * own work between them (reading the outbox, settling outcomes); plus the client's gap before the
   * first and before the last push, which shows whether that work grows as the drain goes on.
   */
  pushTimeSplit(): { inRequestsMs: number; clientSideMs: number; firstGapMs: number; lastGapMs: number } {
    const inRequestsMs = this.#pushes.reduce((sum, p) => sum + (p.end - p.start), 0);
    const gaps = this.#pushes.map((p, i) => p.start - (this.#pushes[i - 1]?.end ?? this.#startedAt));
    return { inRequestsMs, clientSideMs: this.pushPhaseMs() - inRequestsMs, firstGapMs: gaps[0] ?? Number.NaN, lastGapMs: gaps.at(-1) ?? Number.NaN };
  }

  async push(request: PushRequest, options?: RequestOptions): Promise<PushResponse> {
    const timing = { start: performance.now(), end: Number.NaN };
    this.#pushes.push(timing);
    try {
      return await this.#inner.push(request, options);
    } finally {
      timing.end = performance.now();
    }
  }

  pull(request: PullRequest, options?: RequestOptions): Promise<PullResponse> {
    if (this.#firstPullAt === undefined) {
      this.#firstPullAt = performance.now();
      this.#atFirstPull = this.#inner.stats();
    }
    return this.#inner.pull(request, options);
  }

  health(options?: RequestOptions): Promise<HealthResponse> {
    return this.#inner.health(options);
  }

  stats(): TransportStats {
    return this.#inner.stats();
  }

  async close(): Promise<void> {
    await this.#inner.close?.();
  }
}
