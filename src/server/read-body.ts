/**
 * Reading a JSON request body without trusting the client: the content type must be JSON, the size
 * is checked against Content-Length up front and counted while streaming, so an oversized or lying
 * request is cut off at the limit instead of being buffered whole. A gzip body (Content-Encoding)
 * is limited by its decompressed size, so a gzip bomb stops at the limit too.
 */
import { decodedBodyStream, invalidGzip } from './compression.js';
import { LIMITS } from '../protocol/wire.js';
import { nestsDeeperThan } from '../protocol/json.js';
import { HttpError, invalidRequest } from './http-errors.js';

/** Levels a request puts around a value: body → mutations → mutation → args. */
const ENVELOPE_DEPTH = 3;

export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  assertJsonContentType(request.headers.get('content-type'));
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  const text = await readLimitedText(request, maxBytes);
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch (cause) {
    throw new HttpError(400, 'invalid-json', `The request body is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  assertJsonDepth(body, LIMITS.maxJsonDepth + ENVELOPE_DEPTH);
  return body;
}

/**
 * Refuse input nested deeper than the protocol allows, before the (recursive) schema validation sees
 * it: a few thousand levels would overflow the stack there and answer a retryable 500 forever.
 * Iterative, so the check itself cannot overflow.
 */
export function assertJsonDepth(value: unknown, maxDepth: number): void {
  if (!nestsDeeperThan(value, maxDepth)) return;
  throw invalidRequest(`The request nests arrays/objects deeper than the protocol allows: mutation args may nest at most ${LIMITS.maxJsonDepth} levels (record values, inside them, ${LIMITS.maxJsonDepth - 1}). Flatten the data.`, {
    maxJsonDepth: LIMITS.maxJsonDepth,
  });
}

function assertJsonContentType(contentType: string | null): void {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/json') return;
  throw new HttpError(415, 'unsupported-media-type', `Send the body as JSON with "Content-Type: application/json" (got ${contentType === null ? 'none' : JSON.stringify(contentType)}).`);
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, 'too-large', `The request body is larger than ${maxBytes} bytes; send fewer mutations per request.`, {
    details: { maxBytes },
  });
}

async function readLimitedText(request: Request, maxBytes: number): Promise<string> {
  if (request.body === null) throw invalidRequest('The request has no body; send a JSON object.');
  const encoded = request.headers.has('content-encoding');
  const reader = decodedBodyStream(request, request.body).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read().catch((error: unknown) => {
      throw encoded ? invalidGzip(error) : error;
    });
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(concat(chunks, total));
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
