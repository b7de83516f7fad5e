/**
 * The transport seam: how a client reaches a sync server.
 *
 * ## Contract
 * - `push`, `pull` and `health` resolve with a response already validated against the protocol
 *   schemas, or reject with a `SynclineError`:
 *   `TransportError` / `TimeoutError` (no usable response; retryable), `ServerError` (the server
 *   answered with an error body; `retryable` and `retryAfterMs` come from it), `ProtocolError` (the
 *   response did not parse; not retryable), `AbortedError` (the signal fired). Decorators and
 *   options add narrow ones: `CircuitOpenError` (not sent; retryable after `retryAfterMs`),
 *   `ResponseTooLargeError` (the decoded body passed the HTTP transport's `maxResponseBytes`).
 * - A rejected `push` may still have been applied by the server (the response can be lost after the
 *   commit): callers must be idempotent — syncline's mutation ids make resending safe.
 * - Implementations do not retry on their own; retry policy belongs to the sync loop.
 * - `stats()` counts every request attempted and the bytes of request and response bodies as they
 *   crossed the wire (after compression, if any).
 */
import type { HealthResponse, PullRequest, PullResponse, PushRequest, PushResponse } from '../protocol/wire.js';

export interface RequestOptions {
  signal?: AbortSignal | undefined;
  /** Give up after this many milliseconds with a TimeoutError. */
  timeoutMs?: number | undefined;
}

export interface TransportStats {
  requests: number;
  bytesSent: number;
  bytesReceived: number;
}

export interface Transport {
  push(request: PushRequest, options?: RequestOptions): Promise<PushResponse>;
  pull(request: PullRequest, options?: RequestOptions): Promise<PullResponse>;
  health(options?: RequestOptions): Promise<HealthResponse>;
  stats(): TransportStats;
  /**
   * Whether the transport has credentials worth sending. Optional: a transport that cannot tell
   * omits it. The validate phase of a sync cycle stops (with `auth.failed`) when this says false.
   */
  hasCredentials?(): boolean | Promise<boolean>;
  /** Release sockets/timers. Idempotent. */
  close?(): Promise<void>;
}
