/**
 * A cap on concurrent event streams (GET /v1/events) per bearer token, so one credential cannot hold
 * an unbounded number of long-lived connections. Counted in this instance's memory; a stream counts
 * until its body ends — closed by the server, cancelled by the client going away, or errored.
 */
import { InvalidArgumentError } from '../core/errors.js';
import { HttpError } from './http-errors.js';

export const DEFAULT_MAX_STREAMS_PER_TOKEN = 64;
const RETRY_AFTER_SECONDS = 10;

export interface StreamCap {
  /** Open a stream for `key` with `open()`, or throw 429 `too-many-streams` when `key` has the maximum open. */
  admit(key: string, open: () => Promise<Response>): Promise<Response>;
  /** Streams open for `key` (tests, metrics). */
  count(key: string): number;
}

export function createStreamCap(max = DEFAULT_MAX_STREAMS_PER_TOKEN): StreamCap {
  if (!Number.isSafeInteger(max) || max < 1) throw new InvalidArgumentError(`limits.maxStreamsPerToken must be a whole number >= 1, got ${String(max)}.`);
  const open = new Map<string, number>();
  const add = (key: string, delta: number): void => {
    const n = (open.get(key) ?? 0) + delta;
    if (n > 0) open.set(key, n);
    else open.delete(key);
  };
  return {
    async admit(key, start) {
      if ((open.get(key) ?? 0) >= max) {
        throw new HttpError(429, 'too-many-streams', `This token already has ${max} event streams open, the most the server allows; close one (or reuse one per app) and retry.`, {
          retryable: true,
          headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
          details: { maxStreams: max },
        });
      }
      // Counted before opening so concurrent requests cannot slip past the cap together.
      add(key, 1);
      let response: Response;
      try {
        response = await start();
      } catch (error) {
        add(key, -1);
        throw error;
      }
      if (response.body === null) {
        add(key, -1);
        return response;
      }
      return new Response(countedUntilEnd(response.body, () => add(key, -1)), { status: response.status, statusText: response.statusText, headers: response.headers });
    },
    count: (key) => open.get(key) ?? 0,
  };
}

/** The same bytes, calling `release` once when the stream closes, errors or is cancelled. */
function countedUntilEnd(body: ReadableStream<Uint8Array>, release: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let released = false;
  const releaseOnce = (): void => {
    if (released) return;
    released = true;
    release();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          releaseOnce();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        releaseOnce();
        controller.error(error);
      }
    },
    cancel(reason) {
      releaseOnce();
      return reader.cancel(reason);
    },
  });
}
