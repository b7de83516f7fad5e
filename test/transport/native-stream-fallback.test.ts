// Runtimes without CompressionStream or TextDecoder (older React Native) get fflate, loaded on
// demand so browsers never download it (test/bundle/client-size.test.ts). Both paths must give the
// same bytes and text; the DecompressionStream fallback is covered in response-limit.test.ts.
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gzipText } from '../../src/transport/gzip.js';
import { utf8Decoder } from '../../src/transport/utf8.js';

const TEXT = '{"name":"caffè ☕","price":"1.20","note":"𝄞 ok"}';

// fflate looks for TextDecoder once, when it is first imported: the runtime without one comes
// first, so that import happens while it is missing, as it would on such a runtime.
function stubNative(without: boolean): void {
  if (!without) return;
  vi.stubGlobal('CompressionStream', undefined);
  vi.stubGlobal('TextDecoder', undefined);
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe.each([
  ['fflate', true],
  ['native', false],
])('%s', (_name, withoutNative) => {
  it('gzips request text so that any gunzip gets the UTF-8 back', async () => {
    stubNative(withoutNative);
    expect(typeof CompressionStream).toBe(withoutNative ? 'undefined' : 'function');
    const gzipped = await gzipText(TEXT);
    expect(gunzipSync(gzipped).toString('utf8')).toBe(TEXT);
  });

  it('decodes UTF-8 split at every byte, holding a split character back until its end arrives', async () => {
    stubNative(withoutNative);
    expect(typeof TextDecoder).toBe(withoutNative ? 'undefined' : 'function');
    const bytes = Buffer.from(TEXT, 'utf8');
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const decode = await utf8Decoder();
      expect(decode(bytes.subarray(0, cut)) + decode(bytes.subarray(cut))).toBe(TEXT);
    }
  });

  it('leaves an unfinished character at the very end out', async () => {
    stubNative(withoutNative);
    const decode = await utf8Decoder();
    expect(decode(Buffer.from('ok€', 'utf8').subarray(0, 4))).toBe('ok');
  });
});
