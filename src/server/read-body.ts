/**
 * Reading a JSON request body without trusting the client: the content type must be JSON, the size
 * is checked against Content-Length up front and counted while streaming, so an oversized or lying
 * request is cut off at the limit instead of being buffered whole. A gzip body (Content-Encoding)
 * is limited by its decompressed size, so a gzip bomb stops at the limit too.
 */
import { decodedBodyStream, invalidGzip } from './compression.js';
import { LIMITS } from '../protocol/wire.js';
import { findJsonProblem, MAX_OBJECT_KEYS } from '../protocol/json-guard.js';
import { HttpError, invalidRequest } from './http-errors.js';

/** Levels a request puts around a value: body → mutations → mutation → args. */
export const ENVELOPE_DEPTH = 3;

/** Default time a request body may take to arrive once its handler has started reading it. */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;

/**
 * `deadlineMs`: the whole body must have arrived this long after reading starts, else 408
 * `request-timeout` — a client trickling bytes cannot hold a request (and its memory) open for long.
 */
export async function readJsonBody(request: Request, maxBytes: number, deadlineMs = DEFAULT_BODY_TIMEOUT_MS): Promise<unknown> {
  const body = await readUncheckedJsonBody(request, maxBytes, deadlineMs);
  assertAcceptableJson(body);
  return body;
}

/** The parsed body without the door check: the caller runs it (push-door.ts does, per mutation). */
export async function readUncheckedJsonBody(request: Request, maxBytes: number, deadlineMs = DEFAULT_BODY_TIMEOUT_MS): Promise<unknown> {
  assertJsonContentType(request.headers.get('content-type'));
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  const text = await readLimitedText(request, maxBytes, deadlineMs);
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch (cause) {
    throw new HttpError(400, 'invalid-json', `The request body is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return body;
}

/**
 * Refuse, before the (recursive) schema validation and storage see it, JSON the protocol does not
 * accept (src/protocol/json-guard.ts): nesting deep enough to overflow the stack there (a retryable
 * 500 forever), huge objects, text that cannot be stored as sent (lone surrogates, NUL) and
 * `__proto__` keys that would be silently dropped.
 */
export function assertAcceptableJson(body: unknown): void {
  const problem = findJsonProblem(body, { maxDepth: LIMITS.maxJsonDepth + ENVELOPE_DEPTH, maxKeys: MAX_OBJECT_KEYS });
  if (problem === undefined) return;
  if (problem.reason === 'too-deep') {
    throw invalidRequest(`The request nests arrays/objects deeper than the protocol allows: mutation args may nest at most ${LIMITS.maxJsonDepth} levels (record values, inside them, ${LIMITS.maxJsonDepth - 1}). Flatten the data.`, {
      maxJsonDepth: LIMITS.maxJsonDepth,
      reason: problem.reason,
      path: problem.path,
    });
  }
  throw invalidRequest(`Invalid request: ${problem.message}`, {
    reason: problem.reason,
    path: problem.path,
    ...(problem.reason === 'too-many-keys' ? { maxKeys: MAX_OBJECT_KEYS } : {}),
  });
}

export function assertJsonContentType(contentType: string | null): void {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/json') return;
  throw new HttpError(415, 'unsupported-media-type', `Send the body as JSON with "Content-Type: application/json" (got ${contentType === null ? 'none' : JSON.stringify(contentType)}).`);
}

export function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, 'too-large', `The request body is larger than ${maxBytes} bytes; send fewer mutations per request.`, {
    details: { maxBytes },
  });
}

export async function readLimitedText(request: Request, maxBytes: number, deadlineMs: number): Promise<string> {
  if (request.body === null) throw invalidRequest('The request has no body; send a JSON object.');
  const encoded = request.headers.has('content-encoding');
  const reader = decodedBodyStream(request, request.body).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timedOut = false;
  // Cancelling the reader ends a read that is waiting for the next chunk (it resolves as done).
  const deadline = setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => {});
  }, Math.min(deadlineMs, 2 ** 31 - 1));
  try {
    for (;;) {
      const { done, value } = await reader.read().catch((error: unknown) => {
        if (timedOut) throw bodyTimeout(deadlineMs);
        throw encoded && !request.signal.aborted ? invalidGzip(error) : incompleteBody(error);
      });
      if (timedOut) throw bodyTimeout(deadlineMs);
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(deadline);
  }
  return decodeUtf8(chunks, total);
}

function decodeUtf8(chunks: Uint8Array[], total: number): string {
  try {
    // fatal: invalid UTF-8 would otherwise become U+FFFD and be stored as something never sent.
    return new TextDecoder('utf-8', { fatal: true }).decode(concat(chunks, total));
  } catch (cause) {
    throw new HttpError(400, 'invalid-json', 'The request body is not valid UTF-8; send JSON encoded as UTF-8.', { cause });
  }
}

function bodyTimeout(deadlineMs: number): HttpError {
  return new HttpError(408, 'request-timeout', `The request body did not arrive within ${deadlineMs} ms; send it again (on a slow link, send fewer mutations per request).`, {
    retryable: true,
    headers: { connection: 'close' },
    details: { timeoutMs: deadlineMs },
  });
}

/**
 * The body stream failed while being read: the client went away (or the connection broke) mid-upload.
 * Nobody is left to read the answer, and it is not a server failure: a 400 that is logged at debug.
 */
function incompleteBody(cause: unknown): HttpError {
  return new HttpError(400, 'incomplete-body', 'The request body ended before it was complete (the connection was closed mid-upload); send the request again.', { cause });
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
