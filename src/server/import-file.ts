/**
 * Reading an import file as text: strict UTF-8 (a byte sequence that is not UTF-8 fails with its
 * offset rather than turning into U+FFFD, which would import something other than the file says),
 * a leading byte-order mark dropped, and lines numbered from 1 with "\n" or "\r\n" endings.
 */
import { createReadStream } from 'node:fs';

/** The file's text in chunks, strictly decoded. */
export async function* readUtf8Chunks(path: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let offset = 0;
  const decode = (chunk?: Buffer): string => {
    try {
      return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch (error) {
      throw new Error(`${path}: not valid UTF-8 near byte ${offset}; convert the file to UTF-8.`, { cause: error });
    }
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const text = decode(chunk as Buffer);
    offset += (chunk as Buffer).length;
    if (text !== '') yield text;
  }
  const rest = decode();
  if (rest !== '') yield rest;
}

/** Each line of the file with its number (1-based), without its line ending. */
export async function* readNumberedLines(path: string): AsyncGenerator<{ line: number; text: string }> {
  let pending = '';
  let line = 0;
  for await (const chunk of readUtf8Chunks(path)) {
    pending += chunk;
    let start = 0;
    for (let end = pending.indexOf('\n', start); end !== -1; end = pending.indexOf('\n', start)) {
      line += 1;
      yield { line, text: withoutCr(pending.slice(start, end)) };
      start = end + 1;
    }
    pending = pending.slice(start);
  }
  if (pending !== '') yield { line: line + 1, text: withoutCr(pending) };
}

function withoutCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}
