/**
 * gzip for the HTTP transport, platform-neutral: the native `CompressionStream` /
 * `DecompressionStream` where the runtime has them (browsers, Node 18+), fflate otherwise (older
 * React Native runtimes). fflate's string helpers also stand in for TextEncoder/TextDecoder there.
 */
import { gunzipSync, gzipSync, strFromU8, strToU8 } from 'fflate';
import { utf8ByteLength } from './utf8.js';

/** The UTF-8 text gzip-compressed. */
export async function gzipText(text: string): Promise<Uint8Array> {
  const bytes = strToU8(text);
  if (typeof CompressionStream !== 'function') return gzipSync(bytes);
  return pipeBytes(bytes, new CompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof DecompressionStream !== 'function') return gunzipSync(bytes);
  return pipeBytes(bytes, new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
}

async function pipeBytes(bytes: Uint8Array, transform: TransformStream<Uint8Array, Uint8Array>): Promise<Uint8Array> {
  const stream = new Response(bytes as BodyInit).body!.pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A response body as text, and how many bytes it took on the wire. */
export interface DecodedBody {
  text: string;
  wireBytes: number;
}

/**
 * Read a response body, decoding gzip whoever's job it turned out to be: Node's and browsers' fetch
 * decode it themselves (then Content-Length still gives the wire size), an in-process fetch such as
 * `server.fetch` hands the compressed bytes over. gzip's magic bytes tell them apart — JSON never
 * starts with 0x1f.
 */
export async function readResponseBody(response: Response): Promise<DecodedBody> {
  const encoding = response.headers.get('content-encoding')?.trim().toLowerCase();
  if (encoding === undefined || encoding === '' || encoding === 'identity') {
    const text = await response.text();
    return { text, wireBytes: utf8ByteLength(text) };
  }
  const raw = new Uint8Array(await response.arrayBuffer());
  if (raw[0] === 0x1f && raw[1] === 0x8b) return { text: strFromU8(await gunzip(raw)), wireBytes: raw.byteLength };
  const declared = Number(response.headers.get('content-length'));
  return { text: strFromU8(raw), wireBytes: Number.isSafeInteger(declared) && declared > 0 ? declared : raw.byteLength };
}
