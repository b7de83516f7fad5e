/**
 * Per-scope write rate over the last hour, for the console's charts: every committed scope change
 * reports its new version; the sampler keeps, per scope and per minute, the highest version seen, so
 * a minute's writes are the difference to the minute before. In memory and per instance: it starts
 * empty when the server starts and counts only what this instance committed or heard through the
 * fan-out — the console says so beside the chart.
 */
const MINUTE_MS = 60_000;
const WINDOW_MINUTES = 60;
const MAX_SCOPES = 1000;

export interface WriteRateSeries {
  /** Start of the first minute (epoch ms). */
  from: number;
  /** Scope versions added in each minute, oldest first; 60 entries. */
  perMinute: number[];
}

export class WriteRateSampler {
  /** scope → minute index → highest version seen in that minute. */
  readonly #scopes = new Map<string, Map<number, number>>();
  /** scope → highest version seen before the window (the base of the first minute). */
  readonly #base = new Map<string, number>();

  record(scope: string, version: number, now: number): void {
    let minutes = this.#scopes.get(scope);
    if (minutes === undefined) {
      if (this.#scopes.size >= MAX_SCOPES) return;
      this.#scopes.set(scope, (minutes = new Map()));
      // The first version heard counts as already there: a restart must not chart the whole history as one minute.
      this.#base.set(scope, version);
    }
    const minute = Math.floor(now / MINUTE_MS);
    minutes.set(minute, Math.max(minutes.get(minute) ?? 0, version));
    for (const old of minutes.keys()) {
      if (old > minute - WINDOW_MINUTES) continue;
      this.#base.set(scope, Math.max(this.#base.get(scope) ?? 0, minutes.get(old) ?? 0));
      minutes.delete(old);
    }
  }

  series(scope: string, now: number): WriteRateSeries {
    const last = Math.floor(now / MINUTE_MS);
    const first = last - WINDOW_MINUTES + 1;
    const minutes = this.#scopes.get(scope) ?? new Map<number, number>();
    let previous = this.#base.get(scope) ?? 0;
    const perMinute: number[] = [];
    for (let m = first; m <= last; m++) {
      const high = minutes.get(m);
      perMinute.push(high === undefined ? 0 : Math.max(0, high - previous));
      if (high !== undefined) previous = Math.max(previous, high);
    }
    return { from: first * MINUTE_MS, perMinute };
  }
}
