/**
 * Turning what came back over HTTP into syncline errors: error responses into `ServerError`, and
 * failures of fetch itself into `TransportError` / `TimeoutError` / `AbortedError`.
 */
import { AbortedError, ServerError, TimeoutError, TransportError, isSynclineError } from '../core/errors.js';
import type { SynclineError } from '../core/errors.js';
import { errorBody, type ErrorBody } from '../protocol/wire.js';
import type { StopReason } from './request-deadline.js';

/** An HTTP response whose body has already been read in full. */
export interface ReadResponse {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
}

/** Statuses that mean "try again later" even when no syncline error body says so. */
const RETRYABLE_STATUSES = new Set([408, 429]);

/** The ServerError for a non-2xx response: from its JSON error body if it has one, else from the status. */
export function serverErrorFromResponse(what: string, response: ReadResponse): ServerError {
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
  const body = parseErrorBody(response.text);
  if (body !== undefined) {
    const { code, message, retryable, details } = body.error;
    return new ServerError(response.status, code, message, {
      retryable,
      retryAfterMs,
      ...(details === undefined ? {} : { details }),
    });
  }
  const retryable = response.status >= 500 || RETRYABLE_STATUSES.has(response.status);
  const statusLine = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const advice = retryable
    ? 'It is likely temporary (a proxy or an overloaded server); the request will be retried.'
    : 'Check the server URL and that a syncline server (not another service) answers there.';
  return new ServerError(
    response.status,
    `http-${response.status}`,
    `${what} failed with ${statusLine} and no syncline error body. ${advice}`,
    { retryable, retryAfterMs },
  );
}

function parseErrorBody(text: string): ErrorBody | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = errorBody.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Retry-After as milliseconds: either delta-seconds or an HTTP date. HTTP dates are wall-clock
 * times, so `nowMs` must be wall-clock too (Date.now()), not a monotonic timer.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * The error for a request that produced no usable response. The deadline's stop reason wins over
 * the raw error: fetch reports caller aborts, closes and timeouts all as the same AbortError.
 */
export function failureError(what: string, url: string, error: unknown, stopReason: StopReason | undefined, timeoutMs: number): SynclineError {
  if (stopReason === 'timeout') {
    return new TimeoutError(
      `${what} to ${url} got no complete response within ${timeoutMs} ms. The server may be slow or unreachable; the request will be retried.`,
      { cause: error },
    );
  }
  if (stopReason === 'aborted') return new AbortedError(`${what} was aborted by the caller.`, { cause: error });
  if (stopReason === 'closed') return closedTransportError(what, error);
  if (isSynclineError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new TransportError(
    `${what} could not reach ${url} (${describeCause(error, reason)}). Check the network and the server URL; the request will be retried.`,
    { cause: error },
  );
}

export function closedTransportError(what: string, cause?: unknown): AbortedError {
  return new AbortedError(`${what} was cancelled because the transport is closed. Create a new transport to continue.`, { cause });
}

// Node's fetch hides the useful part ("ECONNREFUSED") in error.cause.code behind "fetch failed".
function describeCause(error: unknown, fallback: string): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return `${fallback}: ${cause.code}`;
  if (typeof cause?.message === 'string') return `${fallback}: ${cause.message}`;
  return fallback;
}
