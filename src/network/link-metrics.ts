/**
 * Measured link state from the sync's own requests: RTT and throughput as moving averages, a window
 * of recent RTTs for percentiles, the failure rate, and bytes per mutation / change (so a planner can
 * turn "bytes the link moves in a second" into "mutations per request").
 *
 * Why RTT and throughput are separated by request size: a request's duration is roughly
 * RTT + bytes ÷ bandwidth. Small requests (health probes, empty pulls) are all RTT; for large ones
 * the RTT estimate is subtracted so the throughput estimate is not dragged down by latency.
 */

export type RequestOperation = 'push' | 'pull' | 'health';

/** How a request failed, as far as the link is concerned. */
export type FailureKind = 'timeout' | 'network' | 'server';

/** One measured request (what the measuring transport reports). */
export interface RequestSample {
  operation: RequestOperation;
  /** Wall time of the whole exchange (ms, from the Timers seam). */
  durationMs: number;
  /** Body bytes as they crossed the wire (compressed when compressed). */
  bytesSent: number;
  bytesReceived: number;
  /** Mutations pushed or changes pulled (0 for health). */
  items: number;
  /** Undefined when a response arrived (even an error response from the server: the link worked). */
  failure?: FailureKind | undefined;
}

export interface LinkEstimate {
  /** Moving average of small-request durations, ms; undefined until measured. */
  rttMs: number | undefined;
  /** 95th percentile of the recent RTT window, ms. */
  rttP95Ms: number | undefined;
  /** Moving average of effective throughput, bytes/s; undefined until a large request was measured. */
  bytesPerSecond: number | undefined;
  /** Moving average of timeouts and network failures (0..1). */
  failureRate: number;
  /** Timeouts and network failures in a row, reset by any response. */
  consecutiveFailures: number;
  /** Wire bytes (both directions) per pushed mutation. */
  bytesPerMutation: number;
  /** Wire bytes received per pulled change. */
  bytesPerChange: number;
  samples: number;
}

export interface LinkMetricsOptions {
  /** Requests with fewer body bytes (both directions) than this count as RTT samples. Default 4096. */
  smallRequestBytes?: number;
  /** Weight of a new sample in the moving averages (0..1). Default 0.3. */
  alpha?: number;
  /** How many recent RTTs the percentile window keeps. Default 32. */
  window?: number;
}

const DEFAULT_BYTES_PER_ITEM = 300;

export class LinkMetrics {
  readonly #small: number;
  readonly #alpha: number;
  readonly #window: number;
  readonly #rtts: number[] = [];
  #rtt: number | undefined;
  #throughput: number | undefined;
  #failureRate = 0;
  #consecutive = 0;
  #perMutation: number | undefined;
  #perChange: number | undefined;
  #samples = 0;

  constructor(options: LinkMetricsOptions = {}) {
    this.#small = options.smallRequestBytes ?? 4096;
    this.#alpha = options.alpha ?? 0.3;
    this.#window = options.window ?? 32;
  }

  record(sample: RequestSample): void {
    this.#samples += 1;
    const linkFailed = sample.failure === 'timeout' || sample.failure === 'network';
    this.#failureRate = ewma(this.#failureRate, linkFailed ? 1 : 0, this.#alpha);
    this.#consecutive = linkFailed ? this.#consecutive + 1 : 0;
    if (linkFailed) return; // a failed request says nothing reliable about RTT or throughput
    const bytes = sample.bytesSent + sample.bytesReceived;
    if (bytes < this.#small) this.#recordRtt(sample.durationMs);
    else this.#recordThroughput(bytes, sample.durationMs);
    this.#recordItemSize(sample);
  }

  estimate(): LinkEstimate {
    return {
      rttMs: this.#rtt,
      rttP95Ms: this.percentile(0.95),
      bytesPerSecond: this.#throughput,
      failureRate: this.#failureRate,
      consecutiveFailures: this.#consecutive,
      bytesPerMutation: this.#perMutation ?? DEFAULT_BYTES_PER_ITEM,
      bytesPerChange: this.#perChange ?? DEFAULT_BYTES_PER_ITEM,
      samples: this.#samples,
    };
  }

  /** Nearest-rank percentile (0..1) of the recent RTT window; undefined while it is empty. */
  percentile(p: number): number | undefined {
    if (this.#rtts.length === 0) return undefined;
    const sorted = [...this.#rtts].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  }

  #recordRtt(ms: number): void {
    this.#rtt = ewma(this.#rtt, ms, this.#alpha);
    this.#rtts.push(ms);
    if (this.#rtts.length > this.#window) this.#rtts.shift();
  }

  #recordThroughput(bytes: number, durationMs: number): void {
    // Subtract the latency part; never below a tenth of the duration (RTT estimates can be stale).
    const transferMs = Math.max(durationMs - (this.#rtt ?? 0), durationMs / 10, 1);
    this.#throughput = ewma(this.#throughput, (bytes * 1000) / transferMs, this.#alpha);
  }

  #recordItemSize(sample: RequestSample): void {
    if (sample.items <= 0) return;
    if (sample.operation === 'push') {
      this.#perMutation = ewma(this.#perMutation, (sample.bytesSent + sample.bytesReceived) / sample.items, this.#alpha);
    } else if (sample.operation === 'pull') {
      this.#perChange = ewma(this.#perChange, sample.bytesReceived / sample.items, this.#alpha);
    }
  }
}

function ewma(previous: number | undefined, value: number, alpha: number): number {
  return previous === undefined ? value : previous + alpha * (value - previous);
}
