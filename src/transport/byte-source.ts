/**
 * A pull-based source of byte chunks: the smallest common ground between a fetch body stream, a
 * buffered body (runtimes whose fetch has no streams, such as older React Native) and a decoder.
 * Pulling one chunk at a time is what lets the reader stop as soon as a size limit is crossed.
 */
export interface ByteSource {
  /** The next chunk, or undefined at the end. */
  next(): Promise<Uint8Array | undefined>;
  /** Stop early and release what feeds the source (the socket, for a fetch body). */
  cancel(reason?: unknown): Promise<void>;
}

export function streamSource(stream: ReadableStream<Uint8Array>): ByteSource {
  const reader = stream.getReader();
  return {
    async next() {
      const { done, value } = await reader.read();
      return done ? undefined : value;
    },
    // A stream that already failed rejects the cancel too; nothing is left to release then.
    cancel: (reason) => reader.cancel(reason).catch(() => {}),
  };
}

export function bufferSource(bytes: Uint8Array): ByteSource {
  let pending: Uint8Array | undefined = bytes;
  return {
    async next() {
      const chunk = pending;
      pending = undefined;
      return chunk;
    },
    async cancel() {
      pending = undefined;
    },
  };
}

/** `source` with `head` (chunks already read from it) put back in front. */
export function prepend(head: Uint8Array[], source: ByteSource): ByteSource {
  const queued = [...head];
  return {
    next: async () => queued.shift() ?? source.next(),
    cancel: (reason) => source.cancel(reason),
  };
}

/** A ReadableStream over the source, for the runtime's stream transforms (DecompressionStream). */
export function sourceStream(source: ByteSource): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = await source.next();
        if (chunk === undefined) controller.close();
        else controller.enqueue(chunk);
      },
      cancel: (reason) => source.cancel(reason),
    },
    // Pull only on demand: reading ahead is what a size limit must prevent.
    { highWaterMark: 0 },
  );
}
