/**
 * Reading an HTTP response body to text under a size limit on its *decoded* bytes. The body is
 * pulled chunk by chunk and inflated as it is pulled, so a response that decodes past the limit (a
 * gzip bomb, a broken server) is cancelled as soon as it crosses it, never buffered whole.
 */
import { bufferSource, prepend, streamSource, type ByteSource } from './byte-source.js';
import { gunzipSource } from './gzip.js';
import { utf8Decoder } from './utf8.js';

/** A response body as text, and how many bytes it took on the wire. */
export interface DecodedBody {
  text: string;
  wireBytes: number;
}

export interface BodyLimit {
  /** Most decoded bytes accepted; `Infinity` for no limit. */
  maxBytes: number;
  /** The error to throw once the body has decoded past `maxBytes`. */
  tooLarge(): Error;
}

/**
 * Read a response body, decoding gzip whoever's job it turned out to be: Node's and browsers' fetch
 * decode it themselves (then Content-Length still gives the wire size), an in-process fetch such as
 * `server.fetch` hands the compressed bytes over. gzip's magic bytes tell them apart — JSON never
 * starts with 0x1f.
 */
export async function readResponseBody(response: Response, limit: BodyLimit): Promise<DecodedBody> {
  let wireBytes = 0;
  const wire = counting(await bodySource(response), (n) => (wireBytes += n));
  const head = await readHead(wire, 2);
  const body = prepend(head, wire);
  const encoded = isContentEncoded(response);
  const gzipped = encoded && startsWithGzipMagic(head);
  const text = await decodeText(gzipped ? gunzipSource(body) : body, limit);
  if (encoded && !gzipped) wireBytes = declaredLength(response) ?? wireBytes;
  return { text, wireBytes };
}

/**
 * Pull decoded chunks into text. Over the limit, or when decoding fails (corrupt gzip), the source
 * is cancelled at once so the rest of the body is never read and the socket is released.
 */
async function decodeText(source: ByteSource, limit: BodyLimit): Promise<string> {
  const parts: string[] = [];
  let decodedBytes = 0;
  try {
    const utf8 = await utf8Decoder();
    for (let chunk = await source.next(); chunk !== undefined; chunk = await source.next()) {
      decodedBytes += chunk.byteLength;
      if (decodedBytes > limit.maxBytes) throw limit.tooLarge();
      parts.push(utf8(chunk));
    }
  } catch (error) {
    await source.cancel(error);
    throw error;
  }
  // No final flush: a truncated UTF-8 sequence at the end is not JSON anyway, so leaving the
  // fragment out lets JSON.parse report it as the protocol error it is.
  return parts.join('');
}

async function bodySource(response: Response): Promise<ByteSource> {
  // Some fetch implementations (older React Native) have no body streams: they buffered it anyway.
  if (response.body !== null && response.body !== undefined) return streamSource(response.body);
  return bufferSource(new Uint8Array(await response.arrayBuffer()));
}

/** Chunks from the front of `source` until they hold at least `bytes` bytes or the source ends. */
async function readHead(source: ByteSource, bytes: number): Promise<Uint8Array[]> {
  const head: Uint8Array[] = [];
  let have = 0;
  while (have < bytes) {
    const chunk = await source.next();
    if (chunk === undefined) break;
    head.push(chunk);
    have += chunk.byteLength;
  }
  return head;
}

function startsWithGzipMagic(head: Uint8Array[]): boolean {
  const [first, second] = head.flatMap((chunk) => Array.from(chunk.subarray(0, 2)));
  return first === 0x1f && second === 0x8b;
}

function counting(source: ByteSource, add: (bytes: number) => void): ByteSource {
  return {
    async next() {
      const chunk = await source.next();
      if (chunk !== undefined) add(chunk.byteLength);
      return chunk;
    },
    cancel: (reason) => source.cancel(reason),
  };
}

function isContentEncoded(response: Response): boolean {
  const encoding = response.headers.get('content-encoding')?.trim().toLowerCase();
  return encoding !== undefined && encoding !== '' && encoding !== 'identity';
}

function declaredLength(response: Response): number | undefined {
  const declared = Number(response.headers.get('content-length'));
  return Number.isSafeInteger(declared) && declared > 0 ? declared : undefined;
}
