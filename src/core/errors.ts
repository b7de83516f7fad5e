/**
 * The error taxonomy. Every error syncline throws is a `SynclineError`; the subclasses are narrow so
 * callers can branch on `error.name` (a literal) or the `isSynclineError` guard, which also works
 * across realms (iframes, workers, duplicated bundles) where `instanceof` does not.
 */

const BRAND = Symbol.for('syncline.error');

export type SynclineErrorCode =
  | 'invalid-argument'
  | 'stored-data-invalid'
  | 'store-closed'
  | 'client-closed'
  | 'protocol'
  | 'transport'
  | 'http'
  | 'timeout'
  | 'aborted'
  | 'unauthenticated'
  | 'forbidden'
  | 'mutation-gap'
  | 'server-reset'
  | 'too-large'
  | 'response-too-large'
  | 'rate-limited'
  | 'unavailable'
  | 'circuit-open'
  | 'rejected'
  | 'stale-read'
  | 'internal';

export interface SynclineErrorOptions {
  cause?: unknown;
  /** Whether retrying the same operation later may succeed. */
  retryable?: boolean;
  details?: Record<string, unknown>;
}

export class SynclineError extends Error {
  override name = 'SynclineError';
  readonly code: SynclineErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;
  readonly [BRAND] = true;

  constructor(code: SynclineErrorCode, message: string, options: SynclineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }
}

/** A caller passed something unusable (bad collection name, args that are not JSON, ...). */
export class InvalidArgumentError extends SynclineError {
  override name = 'InvalidArgumentError' as const;
  constructor(message: string, options?: SynclineErrorOptions) {
    super('invalid-argument', message, options);
  }
}

/** A record read back from a local store does not match the format this version understands. */
export class StoredDataError extends SynclineError {
  override name = 'StoredDataError' as const;
  constructor(message: string, options?: SynclineErrorOptions) {
    super('stored-data-invalid', message, options);
  }
}

/** The store (or the client that owns it) was closed; nothing more can be done with it. */
export class ClosedError extends SynclineError {
  override name = 'ClosedError' as const;
  constructor(what: 'store' | 'client', options?: SynclineErrorOptions) {
    super(
      what === 'store' ? 'store-closed' : 'client-closed',
      `The ${what} is closed. Create a new ${what} to continue; pending writes are safe in the store.`,
      options,
    );
  }
}

/** The peer sent a message that does not parse against the protocol version we speak. */
export class ProtocolError extends SynclineError {
  override name = 'ProtocolError' as const;
  constructor(message: string, options?: SynclineErrorOptions) {
    super('protocol', message, options);
  }
}

/** The request never produced a usable HTTP response (connection refused, reset, DNS, ...). */
export class TransportError extends SynclineError {
  override name = 'TransportError' as const;
  constructor(message: string, options?: SynclineErrorOptions) {
    super('transport', message, { retryable: true, ...options });
  }
}

/** The request did not finish within its deadline. */
export class TimeoutError extends SynclineError {
  override name = 'TimeoutError' as const;
  constructor(message: string, options?: SynclineErrorOptions) {
    super('timeout', message, { retryable: true, ...options });
  }
}

/** The operation was cancelled through its AbortSignal. */
export class AbortedError extends SynclineError {
  override name = 'AbortedError' as const;
  constructor(message = 'The operation was aborted.', options?: SynclineErrorOptions) {
    super('aborted', message, options);
  }
}

/**
 * The server answered with a structured error (`{ error: { code, message, retryable } }`).
 * `status` is the HTTP status; `code` maps the server's code onto ours.
 */
export class ServerError extends SynclineError {
  override name = 'ServerError' as const;
  readonly status: number;
  readonly serverCode: string;
  /** Milliseconds the server asked us to wait (Retry-After), if it did. */
  readonly retryAfterMs: number | undefined;

  constructor(
    status: number,
    serverCode: string,
    message: string,
    options: SynclineErrorOptions & { retryAfterMs?: number | undefined } = {},
  ) {
    super(codeForStatus(status, serverCode), message, options);
    this.status = status;
    this.serverCode = serverCode;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * Not sent: the client's circuit breaker is open after repeated failures. The server was not asked,
 * so this says nothing about it or the link; `retryAfterMs` is what is left of the open period.
 */
export class CircuitOpenError extends SynclineError {
  override name = 'CircuitOpenError' as const;
  /** Milliseconds until the breaker lets a trial request through. */
  readonly retryAfterMs: number;

  constructor(message: string, options: SynclineErrorOptions & { retryAfterMs: number }) {
    super('circuit-open', message, { retryable: true, ...options });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * A response body decoded to more than the transport's `maxResponseBytes`; reading stopped there.
 * Not retryable as is: the same request would get the same answer.
 */
export class ResponseTooLargeError extends SynclineError {
  override name = 'ResponseTooLargeError' as const;
  /** The limit that was exceeded, in decoded bytes. */
  readonly limitBytes: number;

  constructor(message: string, options: SynclineErrorOptions & { limitBytes: number }) {
    super('response-too-large', message, options);
    this.limitBytes = options.limitBytes;
  }
}

/**
 * `patch(key, fields, { expected, ifChanged: 'throw' })` refused the write: the local database already
 * shows a different value in a field than the caller read (another tab, process or pull changed it),
 * so the write would certainly meet a conflict. Nothing was queued. Read the record again and
 * recompute. `details`: collection, key, fields (the ones that differ), expected, current.
 */
export class StaleReadError extends SynclineError {
  override name = 'StaleReadError' as const;
  constructor(message: string, options?: SynclineErrorOptions) {
    super('stale-read', message, options);
  }
}

/**
 * A write to a collection defined with a schema (`defineCollection`) does not satisfy it. Nothing was
 * queued. `details`: collection, key, issues (each a message and the path of the offending field).
 */
export class RecordSchemaError extends SynclineError {
  override name = 'RecordSchemaError' as const;
  constructor(message: string, options?: SynclineErrorOptions) {
    super('invalid-argument', message, options);
  }
}

/**
 * How long an error asks us to wait before retrying (a server's Retry-After, an open circuit), or
 * undefined. Reads the property rather than checking classes, so every error that carries one counts.
 */
export function retryAfterOf(error: unknown): number | undefined {
  if (!isSynclineError(error)) return undefined;
  const value = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === 'number' && value >= 0 ? value : undefined;
}

function codeForStatus(status: number, serverCode: string): SynclineErrorCode {
  if (serverCode === 'mutation-gap') return 'mutation-gap';
  if (serverCode === 'reset-required') return 'server-reset';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 413) return 'too-large';
  if (status === 429) return 'rate-limited';
  if (status === 503) return 'unavailable';
  if (status >= 500) return 'internal';
  return 'http';
}

export function isSynclineError(value: unknown): value is SynclineError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Wrap anything thrown into a SynclineError, keeping the original as `cause`. */
export function toSynclineError(value: unknown, fallbackMessage: string): SynclineError {
  if (isSynclineError(value)) return value;
  const message = value instanceof Error ? `${fallbackMessage}: ${value.message}` : fallbackMessage;
  return new SynclineError('internal', message, { cause: value });
}
