/**
 * A realtime channel over an ordered list of poke sources (WebSocket, then SSE), with reconnects
 * through the shared retry policy and fallback down the list.
 *
 *   source[i] session ──poke(s) then end──▶ backoff reset, same source again
 *        │ ended before any poke: failure; `fallbackAfter` in a row ──▶ next source (wraps around)
 *        │ unsupported on this platform (no WebSocket, no streaming fetch) ──▶ removed for good
 *        ▼ no source left: no pokes; the sync loop's interval pulls are the last fallback
 *
 * Wrapping around matters when the server was down: every source failed, and the best one should
 * get another chance once it is back. A source counts as working once it delivered its first poke
 * (both send the scope's current version first), so an endpoint that accepts and drops counts as failed.
 */
import { sleep, systemTimers, type Timers } from '../core/seams.js';
import { TransportError } from '../core/errors.js';
import { defaultRetryPolicy, retryDelay, type RetryPolicy } from '../core/retry-policy.js';
import type { Poke, RealtimeChannel } from './realtime.js';
import type { PresenceLink } from './realtime-presence.js';

/** What the backoff is computed for: a dropped connection (no Retry-After to honour). */
const RECONNECT = new TransportError('The poke connection ended; reconnecting.');

export type PokeSourceName = 'websocket' | 'sse';

/**
 * One way of receiving pokes. Contract: `session` connects once, calls `onPoke` for each poke in
 * order, and settles when the connection has ended (or `signal` aborted it) — resolving, or
 * rejecting with any error for a failed connection; it rejects with `UnsupportedSourceError` when
 * this platform cannot use the source at all. It leaves no timer or socket behind when it settles.
 */
export interface PokeSource {
  readonly name: PokeSourceName;
  /** Presence travels with this source's sessions (the WebSocket source with `presence` on). */
  readonly presence?: PresenceLink;
  session(signal: AbortSignal, onPoke: (poke: Poke) => void): Promise<void>;
}

/** The platform lacks what a source needs (no WebSocket constructor, a fetch that cannot stream). */
export class UnsupportedSourceError extends TransportError {
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

export interface RealtimeLadderOptions {
  timers?: Timers;
  /** Base wait before reconnecting, ms (capped exponential backoff, full jitter, at most 30 s). Default 500. */
  reconnectMs?: number;
  /** Consecutive failed connections after which the next source is tried. Default 3. */
  fallbackAfter?: number;
  random?: () => number;
}

/** A channel that also says which source delivers pokes now. */
export interface LadderChannel extends RealtimeChannel {
  /** The source of the last poke while its connection is up; undefined while none is connected. */
  source(): PokeSourceName | undefined;
}

export function createRealtimeLadder(sources: readonly PokeSource[], options: RealtimeLadderOptions = {}): LadderChannel {
  const timers = options.timers ?? systemTimers;
  const random = options.random ?? Math.random;
  const fallbackAfter = options.fallbackAfter ?? 3;
  const policy: RetryPolicy = { ...defaultRetryPolicy, baseDelayMs: options.reconnectMs ?? 500 };
  const listeners = new Set<(poke: Poke) => void>();
  let controller: AbortController | undefined;
  let current: PokeSourceName | undefined;

  const notify = (poke: Poke): void => {
    for (const listener of [...listeners]) {
      try {
        listener(poke);
      } catch {
        // A failing listener must not end the connection for the others.
      }
    }
  };

  const run = async (signal: AbortSignal): Promise<void> => {
    const usable = [...sources];
    let level = 0;
    let failures = 0;
    let attempt = 0;
    while (!signal.aborted && usable.length > 0) {
      const source = usable[level % usable.length] as PokeSource;
      let delivered = false;
      try {
        await source.session(signal, (poke) => {
          delivered = true;
          current = source.name;
          notify(poke);
        });
      } catch (error) {
        if (error instanceof UnsupportedSourceError) {
          usable.splice(level % usable.length, 1);
          failures = 0;
          continue;
        }
        // Refused, dropped, timed out: counted below.
      }
      current = undefined;
      if (signal.aborted) return;
      if (delivered) {
        attempt = 0;
        failures = 0;
      } else if (++failures >= fallbackAfter) {
        level = (level + 1) % usable.length;
        failures = 0;
      }
      // Full jitter: after a server restart every client would otherwise reconnect in lockstep.
      await sleep(timers, retryDelay(policy, attempt++, RECONNECT, random), signal).catch(() => undefined);
    }
  };

  const stop = (): void => {
    controller?.abort();
    controller = undefined;
    current = undefined;
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (controller === undefined) {
        controller = new AbortController();
        void run(controller.signal);
      }
      return () => {
        if (listeners.delete(listener) && listeners.size === 0) stop();
      };
    },
    close() {
      listeners.clear();
      stop();
    },
    source: () => current,
    ...presenceOf(sources),
  };
}

/** The first source's presence: while another source serves, that session is down and peers() is undefined. */
function presenceOf(sources: readonly PokeSource[]): { presence?: PresenceLink } {
  const presence = sources.find((s) => s.presence !== undefined)?.presence;
  return presence === undefined ? {} : { presence };
}
