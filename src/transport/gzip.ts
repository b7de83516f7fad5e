/**
 * gzip for the HTTP transport, platform-neutral: the native `CompressionStream` /
 * `DecompressionStream` where the runtime has them (browsers, Node 18+), fflate otherwise (older
 * React Native runtimes). fflate is imported dynamically, only on that path, so a bundler splits it
 * into a chunk that browsers never load (test/bundle/client-size.test.ts).
 */
import type { Gunzip } from 'fflate';
import { sourceStream, streamSource, type ByteSource } from './byte-source.js';

/** The UTF-8 text gzip-compressed. */
export async function gzipText(text: string): Promise<Uint8Array> {
  if (typeof CompressionStream !== 'function') {
    const { gzipSync, strToU8 } = await import('fflate');
    return gzipSync(strToU8(text));
  }
  // A Response encodes the string as UTF-8 itself: no TextEncoder needed.
  const stream = new Response(text).body!.pipeThrough(new CompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The decompressed bytes of a gzip source, inflated only as fast as they are pulled. */
export function gunzipSource(source: ByteSource): ByteSource {
  if (typeof DecompressionStream !== 'function' || typeof ReadableStream !== 'function') return fflateGunzip(source);
  const inflating = sourceStream(source).pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
  return streamSource(inflating);
}

/**
 * gzip inflates up to ~1000× (zeros), so fflate is fed small slices: each pull then yields at most
 * about a megabyte, and a reader with a size limit can stop before a bomb fills memory.
 */
const FFLATE_SLICE_BYTES = 1024;

function fflateGunzip(source: ByteSource): ByteSource {
  let inflating: Promise<ByteSource> | undefined;
  const start = async () => inflateWith((await import('fflate')).Gunzip, source);
  return {
    next: async () => (await (inflating ??= start())).next(),
    cancel: (reason) => source.cancel(reason),
  };
}

function inflateWith(GunzipClass: typeof Gunzip, source: ByteSource): ByteSource {
  const inflated: Uint8Array[] = [];
  const gunzip = new GunzipClass((data) => inflated.push(data));
  let pending: Uint8Array = new Uint8Array(0);
  let ended = false;
  return {
    async next() {
      while (inflated.length === 0 && !ended) {
        if (pending.byteLength === 0) {
          const chunk = await source.next();
          if (chunk === undefined) {
            gunzip.push(new Uint8Array(0), true);
            ended = true;
            continue;
          }
          pending = chunk;
        }
        gunzip.push(pending.subarray(0, FFLATE_SLICE_BYTES));
        pending = pending.subarray(FFLATE_SLICE_BYTES);
      }
      return inflated.shift();
    },
    cancel: (reason) => source.cancel(reason),
  };
}
