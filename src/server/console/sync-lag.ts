/**
 * Per-scope sync lag over the last hour, for the console's second chart. What "lag" means here,
 * honestly, with the data the server has: the age of the oldest write still waiting in a device's
 * outbox, as connected devices report it (WebSocket presence). Per minute the chart keeps the
 * largest age reported in that scope — how long the slowest connected device has been holding a write
 * the server has not committed. Devices that are offline report nothing (the device table shows when
 * they were last seen); a minute with no report is a gap, not a zero. Per instance, in memory.
 */
const MINUTE_MS = 60_000;
const WINDOW_MINUTES = 60;
const MAX_SCOPES = 1000;

export interface SyncLagSeries {
  /** Start of the first minute (epoch ms). */
  from: number;
  /** Largest oldest-pending age (ms) reported in each minute, oldest first; null: no device reported. */
  perMinute: Array<number | null>;
}

export class SyncLagSampler {
  /** scope → minute index → largest age reported in that minute. */
  readonly #scopes = new Map<string, Map<number, number>>();

  /** `ages`: what each connected device reported (0 for an empty outbox). */
  record(scope: string, ages: readonly number[], now: number): void {
    if (ages.length === 0) return;
    let minutes = this.#scopes.get(scope);
    if (minutes === undefined) {
      if (this.#scopes.size >= MAX_SCOPES) return;
      this.#scopes.set(scope, (minutes = new Map()));
    }
    const minute = Math.floor(now / MINUTE_MS);
    minutes.set(minute, Math.max(minutes.get(minute) ?? 0, ...ages));
    for (const old of minutes.keys()) if (old <= minute - WINDOW_MINUTES) minutes.delete(old);
  }

  series(scope: string, now: number): SyncLagSeries {
    const last = Math.floor(now / MINUTE_MS);
    const first = last - WINDOW_MINUTES + 1;
    const minutes = this.#scopes.get(scope);
    const perMinute: Array<number | null> = [];
    for (let m = first; m <= last; m++) perMinute.push(minutes?.get(m) ?? null);
    return { from: first * MINUTE_MS, perMinute };
  }
}
