/**
 * `syncline status --db FILE --watch`: the store's status refreshed every interval until Ctrl-C (the
 * AbortSignal): outbox backlog, oldest pending age, cursor, last successful sync, and the drain —
 * on a terminal one redrawn line with a bar of how much of the largest backlog seen while watching
 * has drained, at the store's measured drain rate and ETA; otherwise a plain line whenever backlog,
 * cursor or last sync changed (ages alone do not make a new line).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readDrainMetrics, type DrainMetrics } from '../core/drain-metrics.js';
import { readLocalStatus } from '../core/local-status.js';
import type { Store } from '../stores/store.js';
import { fit, formatDuration, formatProgress, type ProgressStream } from './progress.js';

export interface WatchOptions {
  intervalMs: number;
  signal: AbortSignal;
  /** A terminal gets the redrawn line; anything else plain lines through `log`. */
  stream?: ProgressStream;
  now?: () => number;
}

export async function watchStatus(store: Store, log: (line: string) => void, options: WatchOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const tty = options.stream?.isTTY === true ? options.stream : undefined;
  let peak = 0;
  let lastKey: string | undefined;
  while (!options.signal.aborted) {
    const local = await readLocalStatus(store, 0);
    const metrics = await store.read((tx) => readDrainMetrics(tx, now()));
    peak = Math.max(peak, metrics.pending);
    if (tty !== undefined) {
      tty.write(`\r\x1b[K${fit(`${statusLine(local.cursor, metrics)}  ${drainBar(metrics, peak)}`, tty.columns)}`);
    } else {
      const key = JSON.stringify([metrics.pending, metrics.outboxSize, local.cursor, metrics.lastSuccessAt ?? null]);
      if (key !== lastKey) log(`${new Date(now()).toISOString()}  ${statusLine(local.cursor, metrics)}`);
      lastKey = key;
    }
    // The AbortError of the sleep is the way out: no timer stays behind.
    await sleep(options.intervalMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
  tty?.write('\n');
}

function statusLine(cursor: number, m: DrainMetrics): string {
  return [
    `outbox ${m.pending} pending${m.outboxSize === m.pending ? '' : ` (${m.outboxSize} in outbox)`}`,
    `oldest ${m.oldestPendingAgeMs === undefined ? '-' : formatDuration(m.oldestPendingAgeMs)}`,
    `cursor ${cursor}`,
    `last sync ${m.lastSuccessAgeMs === undefined ? 'never' : `${formatDuration(m.lastSuccessAgeMs)} ago`}`,
  ].join(' · ');
}

/** Drained out of the largest backlog seen while watching, at the store's own measured rate. */
function drainBar(m: DrainMetrics, peak: number): string {
  if (peak === 0) return 'drain: nothing waiting';
  return formatProgress({
    label: 'drain',
    unit: 'mutations',
    done: peak - m.pending,
    total: peak,
    ...(m.drainRatePerSecond === undefined ? {} : { rate: m.drainRatePerSecond }),
    ...(m.estimatedDrainMs === undefined ? {} : { etaMs: m.estimatedDrainMs }),
  }, true);
}
