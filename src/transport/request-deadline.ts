/**
 * One request's cancellation: the caller's signal, the transport's lifetime and a timeout folded
 * into a single AbortSignal for fetch. It remembers which source fired first, because fetch rejects
 * with the same kind of error for all three and the caller needs to know which one it was.
 */
import type { Timers } from '../core/seams.js';

export type StopReason = 'aborted' | 'closed' | 'timeout';

export interface DeadlineSources {
  /** The caller's signal (e.g. a cancelled sync cycle). */
  caller?: AbortSignal | undefined;
  /** Fires when the transport is closed. */
  lifetime: AbortSignal;
  timers: Timers;
  /** Milliseconds until the timeout; a non-finite value means no timeout. */
  timeoutMs: number;
}

export interface Deadline {
  readonly signal: AbortSignal;
  /** Which source fired first, or undefined while none has. */
  stopReason(): StopReason | undefined;
  /** Settle like `work`, or reject as soon as the signal fires (for work that takes no signal). */
  race<T>(work: Promise<T>): Promise<T>;
  /** Clear the timer and detach from the sources. Idempotent; call it in `finally`. */
  dispose(): void;
}

export function startDeadline(sources: DeadlineSources): Deadline {
  const controller = new AbortController();
  let reason: StopReason | undefined;
  const stop = (why: StopReason, cause: unknown): void => {
    if (reason !== undefined) return;
    reason = why;
    controller.abort(cause);
  };
  const onCaller = (): void => stop('aborted', sources.caller?.reason);
  const onClosed = (): void => stop('closed', sources.lifetime.reason);
  const { timers, timeoutMs } = sources;
  const handle = Number.isFinite(timeoutMs)
    ? timers.setTimeout(() => stop('timeout', new Error(`Timed out after ${timeoutMs} ms`)), timeoutMs)
    : undefined;
  watch(sources.caller, onCaller);
  watch(sources.lifetime, onClosed);

  return {
    signal: controller.signal,
    stopReason: () => reason,
    race: (work) => raceSignal(work, controller.signal),
    dispose() {
      if (handle !== undefined) timers.clearTimeout(handle);
      sources.caller?.removeEventListener('abort', onCaller);
      sources.lifetime.removeEventListener('abort', onClosed);
    },
  };
}

function watch(signal: AbortSignal | undefined, onAbort: () => void): void {
  if (signal === undefined) return;
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
}

function raceSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      work.catch(() => {}); // nobody waits for it any more; keep its failure from going unhandled
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
