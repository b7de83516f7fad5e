/**
 * The realtime seam: pokes from the server saying "your scope changed up to version V", so a client
 * pulls at once instead of at its next interval.
 *
 * Contract: `subscribe` starts listening (lazily, on the first listener) and calls the listener for
 * every poke received, in order; it returns an idempotent unsubscribe, and the connection ends when
 * the last listener leaves. Pokes are hints, not data: a missed or repeated poke must be harmless to
 * the subscriber. `close()` ends the connection and every reconnect timer.
 */
import { sleep, systemTimers, type Timers } from '../core/seams.js';
import { TransportError } from '../core/errors.js';
import { defaultRetryPolicy, retryDelay, type RetryPolicy } from '../core/retry-policy.js';
import { UnsupportedSourceError } from './realtime-ladder.js';
import type { PresenceLink } from './realtime-presence.js';

/** What the backoff is computed for: a dropped stream (no Retry-After to honour). */
const RECONNECT = new TransportError('The event stream ended; reconnecting.');

export interface Poke {
  version: number;
}

export interface RealtimeChannel {
  subscribe(listener: (poke: Poke) => void): () => void;
  close(): void;
  /** Present on channels that can carry presence (WebSocket with `presence` on); see realtime-presence.ts. */
  readonly presence?: PresenceLink;
}

export interface SsePokesOptions {
  /** Server base URL (the stream is at /v1/events). */
  url: string;
  token?: string | (() => string | Promise<string>);
  fetch?: (request: Request) => Promise<Response>;
  timers?: Timers;
  /** Base wait before reconnecting after the stream ended or failed, ms (capped exponential backoff, full jitter, at most 30 s). Default 500. */
  reconnectMs?: number;
}

/** Pokes over Server-Sent Events, read with fetch streaming (browsers, workers, Node; not every RN fetch). */
export function createSsePokes(options: SsePokesOptions): RealtimeChannel {
  const timers = options.timers ?? systemTimers;
  const listeners = new Set<(poke: Poke) => void>();
  let controller: AbortController | undefined;

  const notify = (poke: Poke): void => {
    for (const listener of [...listeners]) {
      try {
        listener(poke);
      } catch {
        // A failing listener must not end the stream for the others.
      }
    }
  };

  // The sync loop's policy, with full jitter: after a server restart every client reconnects at once
  // otherwise, in lockstep.
  const policy: RetryPolicy = { ...defaultRetryPolicy, baseDelayMs: options.reconnectMs ?? 500 };
  const run = async (signal: AbortSignal): Promise<void> => {
    let attempt = 0;
    while (!signal.aborted) {
      try {
        await readStream(options, signal, (poke) => {
          attempt = 0; // a working stream resets the backoff
          notify(poke);
        });
      } catch {
        // Connection refused, dropped or refused by the server: try again after a pause.
      }
      if (signal.aborted) return;
      await sleep(timers, retryDelay(policy, attempt++, RECONNECT, Math.random), signal).catch(() => undefined);
    }
  };

  const stop = (): void => {
    controller?.abort();
    controller = undefined;
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
  };
}

/** One event-stream connection, until it ends; rejects with UnsupportedSourceError where fetch cannot stream (React Native). */
export async function readStream(options: SsePokesOptions, signal: AbortSignal, onPoke: (poke: Poke) => void): Promise<void> {
  const token = typeof options.token === 'function' ? await options.token() : options.token;
  const headers: Record<string, string> = { accept: 'text/event-stream', 'accept-encoding': 'identity' };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  const request = new Request(`${options.url.replace(/\/+$/, '')}/v1/events`, { headers, signal });
  const response = await (options.fetch ?? globalThis.fetch)(request);
  if (response.ok && response.body === null) throw new UnsupportedSourceError('This fetch cannot stream a response body, so Server-Sent Events cannot be read.');
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new Error(`event stream refused with status ${response.status}`);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const poke = parsePokeEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (poke !== undefined) onPoke(poke);
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/** One SSE event block → a poke, if it is one of ours (version 1); anything else is ignored. */
export function parsePokeEvent(block: string): Poke | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (event !== 'poke' || data.length === 0) return undefined;
  try {
    const parsed = JSON.parse(data.join('\n')) as { v?: unknown; version?: unknown };
    if (parsed.v !== 1 || typeof parsed.version !== 'number' || !Number.isSafeInteger(parsed.version) || parsed.version < 0) return undefined;
    return { version: parsed.version };
  } catch {
    return undefined;
  }
}
