/**
 * Byte length of a string once UTF-8 encoded, without allocating the encoding (and without
 * TextEncoder, which older React Native runtimes lack).
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (isHighSurrogate(unit) && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i += 1;
    } else {
      // Lone surrogates are sent as U+FFFD, which is 3 bytes like the rest of the BMP.
      bytes += 3;
    }
  }
  return bytes;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** Streaming UTF-8 decoding: bytes in, text out; a character split across chunks waits for its end. */
export type Utf8Decode = (chunk: Uint8Array) => string;

/**
 * A streaming UTF-8 decoder: the native `TextDecoder`, or fflate's where the runtime lacks one
 * (older React Native), imported only then so browser bundles do not carry it. Neither is ever
 * flushed here: an incomplete sequence at the very end is left out, like any other bytes that
 * cannot be JSON.
 */
export async function utf8Decoder(): Promise<Utf8Decode> {
  if (typeof TextDecoder === 'function') {
    const decoder = new TextDecoder();
    return (chunk) => decoder.decode(chunk, { stream: true });
  }
  const { DecodeUTF8 } = await import('fflate');
  let text = '';
  const decoder = new DecodeUTF8((decoded) => (text += decoded));
  return (chunk) => {
    decoder.push(chunk);
    const out = text;
    text = '';
    return out;
  };
}
