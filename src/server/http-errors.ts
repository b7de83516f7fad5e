/** Errors that end a request with a structured JSON body `{ error: { code, message, retryable, details? } }`. */
import type { ErrorBody } from '../protocol/wire.js';

export class HttpError extends Error {
  override name = 'HttpError' as const;
  readonly status: number;
  readonly code: string;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { retryable?: boolean; details?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export function invalidRequest(message: string, details?: Record<string, unknown>): HttpError {
  return new HttpError(400, 'invalid-request', message, details === undefined ? {} : { details });
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

export function errorResponse(error: HttpError): Response {
  const body: ErrorBody = {
    error: {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
  return jsonResponse(body, error.status, error.headers);
}

/** Anything unexpected: a generic body, so no stack trace or SQL leaks to the client. */
export function internalError(cause: unknown, details?: Record<string, unknown>): HttpError {
  return new HttpError(500, 'internal', 'The server failed to process the request; it is safe to retry.', {
    retryable: true,
    cause,
    ...(details === undefined ? {} : { details }),
  });
}
