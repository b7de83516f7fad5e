/**
 * HTTP compression on the server, with Web streams only (so it runs wherever the server's
 * Request/Response boundary does): gunzip of request bodies with a bound on the *decompressed* size
 * — a gzip bomb is cut off at the limit and answered 413, never inflated into memory — and gzip of
 * responses the client accepts.
 */
import { HttpError } from './http-errors.js';

/** Responses smaller than this are sent as they are: gzip's header would eat the saving. */
const MIN_COMPRESS_BYTES = 1024;

/** The request body stream, decompressed if it is gzip; other encodings are refused with 415. */
export function decodedBodyStream(request: Request, body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const encoding = request.headers.get('content-encoding')?.trim().toLowerCase();
  if (encoding === undefined || encoding === '' || encoding === 'identity') return body;
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    return body.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
  }
  throw new HttpError(415, 'unsupported-encoding', `Content-Encoding ${JSON.stringify(encoding)} is not supported; send the body as is or gzip-compressed.`);
}

/** A corrupt gzip stream surfaces as a TypeError from the decompressor: answer 400, not 500. */
export function invalidGzip(cause: unknown): HttpError {
  return new HttpError(400, 'invalid-encoding', 'The request body is not valid gzip data although Content-Encoding says gzip.', { cause });
}

/** The response gzip-compressed when the request accepts gzip and the body is worth it. */
export async function negotiateResponseEncoding(request: Request, response: Response): Promise<Response> {
  if (!acceptsGzip(request.headers.get('accept-encoding')) || response.body === null || response.headers.has('content-encoding')) return response;
  // An event stream never ends: buffering it to compress would hold every event back forever.
  if (response.headers.get('content-type')?.startsWith('text/event-stream') === true) return response;
  const plain = new Uint8Array(await response.arrayBuffer());
  const headers = new Headers(response.headers);
  headers.append('vary', 'accept-encoding');
  if (plain.byteLength < MIN_COMPRESS_BYTES) return new Response(plain, { status: response.status, statusText: response.statusText, headers });
  const stream = new Response(plain).body!.pipeThrough(new CompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
  const compressed = new Uint8Array(await new Response(stream).arrayBuffer());
  headers.set('content-encoding', 'gzip');
  // Buffered with a length, so a client whose fetch decodes on its own still learns the wire size.
  headers.set('content-length', String(compressed.byteLength));
  return new Response(compressed, { status: response.status, statusText: response.statusText, headers });
}

/** Whether an Accept-Encoding header allows gzip (a q=0 entry refuses it). */
export function acceptsGzip(header: string | null): boolean {
  if (header === null) return false;
  return header.split(',').some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name !== 'gzip' && name !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
