/** Versions of the `poke` events on an open GET /v1/events response, as they arrive. */
export interface PokeReader {
  versions: number[];
  stop(): Promise<void>;
}

export function readPokes(response: Response): PokeReader {
  const versions: number[] = [];
  const reader = response.body?.getReader();
  if (reader === undefined) throw new Error('event stream without a body');
  const decoder = new TextDecoder();
  let buffer = '';
  const pump = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      const events = buffer.split('\n\n');
      buffer = events.pop() ?? '';
      for (const event of events) {
        const data = /^event: poke\ndata: (.*)$/m.exec(event)?.[1];
        if (data !== undefined) versions.push((JSON.parse(data) as { version: number }).version);
      }
    }
  })().catch(() => {});
  return {
    versions,
    async stop() {
      await reader.cancel().catch(() => {});
      await pump;
    },
  };
}

/** Open the scope's poke stream of `token` on a server and read it. */
export async function openPokes(server: { fetch(request: Request): Promise<Response> }, token: string): Promise<PokeReader> {
  const response = await server.fetch(new Request('http://test/v1/events', { headers: { authorization: `Bearer ${token}` } }));
  if (response.status !== 200) throw new Error(`event stream refused: ${response.status} ${await response.text()}`);
  return readPokes(response);
}

/** Resolve once `condition()` holds, polling; reject naming `what` after `timeoutMs` (a liveness bound, not a speed check). */
export async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
