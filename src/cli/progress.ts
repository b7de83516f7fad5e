/**
 * A small progress renderer for long CLI operations. On a terminal (`isTTY`) it redraws one line —
 * a bar, percent, count, rate and ETA — at most every `minIntervalMs`, cut to the terminal's width;
 * piped or redirected it prints plain lines instead, one each time another `everyPercent` is reached
 * (or one per update when the total is unknown), so logs stay readable and grep-able. The clock is
 * injected: rate and ETA are computed from it, and tests pass their own.
 */

/** The part of a Node writable stream this needs (process.stdout, or a fake one in tests). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** What is being done, e.g. "import" or "pull". */
  label: string;
  /** What is counted, plural (default "items"). */
  unit?: string;
  /** The count at which the operation is done; unknown: no bar, no percent, no ETA. */
  total?: number;
  now?: () => number;
  /** Plain-line mode: a line each time this many more percent are done (default 10). */
  everyPercent?: number;
  /** Terminal mode: redraw at most this often (default 100 ms); the last update always draws. */
  minIntervalMs?: number;
}

export interface Progress {
  /** `done` so far (absolute, not a delta); `total` may be learnt or corrected on the way. */
  update(done: number, total?: number): void;
  /** A message of its own line, without tearing the bar (the bar is redrawn below it). */
  log(line: string): void;
  /** Ends the bar's line; prints `summary` if given. */
  finish(summary?: string): void;
}

export interface ProgressSnapshot {
  label: string;
  unit: string;
  done: number;
  total?: number;
  /** Per second since the first update (undefined until there is elapsed time and movement). */
  rate?: number;
  etaMs?: number;
}

const BAR_WIDTH = 24;

export function createProgress(stream: ProgressStream, options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const tty = stream.isTTY === true;
  const every = options.everyPercent ?? 10;
  const minInterval = options.minIntervalMs ?? 100;
  let total = options.total;
  let first: { at: number; done: number } | undefined;
  let done = 0;
  let drawnAt: number | undefined;
  let onScreen = false;
  let nextPercent = every;

  const snapshot = (at: number): ProgressSnapshot => {
    const snap: ProgressSnapshot = { label: options.label, unit: options.unit ?? 'items', done, ...(total === undefined ? {} : { total }) };
    const seconds = first === undefined ? 0 : (at - first.at) / 1000;
    if (first !== undefined && seconds > 0 && done > first.done) {
      snap.rate = (done - first.done) / seconds;
      if (total !== undefined) snap.etaMs = (Math.max(0, total - done) / snap.rate) * 1000;
    }
    return snap;
  };
  const draw = (at: number): void => {
    stream.write(`\r\x1b[K${fit(formatProgress(snapshot(at), true), stream.columns)}`);
    drawnAt = at;
    onScreen = true;
  };
  const clear = (): void => {
    if (onScreen) stream.write('\r\x1b[K');
    onScreen = false;
  };

  return {
    update(value, newTotal) {
      const at = now();
      if (newTotal !== undefined) total = newTotal;
      done = value;
      first ??= { at, done: value };
      if (tty) {
        const last = total !== undefined && done >= total;
        if (drawnAt === undefined || at - drawnAt >= minInterval || last) draw(at);
        return;
      }
      if (total === undefined || total <= 0) {
        stream.write(`${formatProgress(snapshot(at), false)}\n`);
        return;
      }
      const percent = (done / total) * 100;
      if (percent < nextPercent && done < total) return;
      // One line however many steps this update jumped over.
      while (nextPercent <= percent) nextPercent += every;
      stream.write(`${formatProgress(snapshot(at), false)}\n`);
    },
    log(line) {
      clear();
      stream.write(`${line}\n`);
      if (tty && first !== undefined) draw(now());
    },
    finish(summary) {
      if (tty && first !== undefined) {
        draw(now());
        stream.write('\n');
        onScreen = false;
      }
      if (summary !== undefined) stream.write(`${summary}\n`);
    },
  };
}

/** One progress line; `bar`: with the bar (terminal) or without (plain lines). */
export function formatProgress(s: ProgressSnapshot, bar: boolean): string {
  const parts = [`${s.label}:`];
  if (s.total !== undefined && s.total > 0) {
    const ratio = Math.min(1, Math.max(0, s.done / s.total));
    if (bar) parts.push(`[${'#'.repeat(Math.round(ratio * BAR_WIDTH)).padEnd(BAR_WIDTH, '-')}]`);
    parts.push(`${Math.floor(ratio * 100)}%`, `${s.done}/${s.total} ${s.unit}`);
  } else {
    parts.push(`${s.done} ${s.unit}`);
  }
  if (s.rate !== undefined) parts.push(`${formatRate(s.rate)} ${s.unit}/s`);
  if (s.etaMs !== undefined) parts.push(`ETA ${formatDuration(s.etaMs)}`);
  return parts.join(' ');
}

function formatRate(rate: number): string {
  return rate >= 100 ? String(Math.round(rate)) : rate.toFixed(1);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Cut to the terminal's width (one column spare, so the cursor never wraps to a new line). */
export function fit(line: string, columns: number | undefined): string {
  if (columns === undefined || columns < 2 || line.length < columns) return line;
  return `${line.slice(0, columns - 2)}…`;
}
