/**
 * GET /v1/events: a Server-Sent Events stream of "pokes" — "your scope has changed up to version V" —
 * so connected clients pull at once instead of waiting for their interval. The first event carries
 * the scope's current version; later ones come from the scope-changed events (in process, or from
 * other instances through the fan-out). A comment line every `heartbeatMs` keeps proxies from closing
 * an idle stream. Pokes only say "look again": a missed one is harmless, the client's pull is the truth.
 */
import type { Logger } from '../core/seams.js';
import type { ScopeChange } from './fanout.js';

export interface PokeStreams {
  /** A streaming response for one client of `scope`, starting with `version`. */
  open(scope: string, version: number): Response;
  /** Scopes with at least one open stream. */
  scopes(): string[];
  /**
   * End every open stream (server shutdown). With `reconnectInMs`, each stream first gets a `retry:`
   * field and a `shutdown` event, so clients reconnect (to another instance) after that long.
   */
  closeAll(reconnectInMs?: number): void;
  readonly size: number;
}

export function createPokeStreams(
  subscribe: (listener: (change: ScopeChange) => void) => () => void,
  options: { heartbeatMs?: number; logger: Logger },
): PokeStreams {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const open = new Set<(reconnectInMs?: number) => void>();
  const openPerScope = new Map<string, number>();
  const countStream = (scope: string, delta: number): void => {
    const count = (openPerScope.get(scope) ?? 0) + delta;
    if (count > 0) openPerScope.set(scope, count);
    else openPerScope.delete(scope);
  };
  const encoder = new TextEncoder();
  const poke = (version: number): Uint8Array => encoder.encode(`event: poke\ndata: ${JSON.stringify({ v: 1, version })}\n\n`);
  const shutdown = (ms: number): Uint8Array => encoder.encode(`retry: ${ms}\nevent: shutdown\ndata: ${JSON.stringify({ v: 1, reconnectInMs: ms })}\n\n`);

  return {
    open(scope, version) {
      let end = (_reconnectInMs?: number): void => {};
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(poke(version));
          const unsubscribe = subscribe((change) => {
            if (change.scope === scope) controller.enqueue(poke(change.version));
          });
          const heartbeat = setInterval(() => controller.enqueue(encoder.encode(': ping\n\n')), heartbeatMs);
          end = (reconnectInMs) => {
            if (!open.delete(end)) return;
            countStream(scope, -1);
            unsubscribe();
            clearInterval(heartbeat);
            try {
              if (reconnectInMs !== undefined) controller.enqueue(shutdown(reconnectInMs));
              controller.close();
            } catch {
              // Already closed or errored by the consumer going away.
            }
          };
          open.add(end);
          countStream(scope, 1);
        },
        cancel() {
          // The client went away.
          end();
        },
      });
      options.logger.debug('server: event stream opened', { scope, streams: open.size });
      return new Response(body, {
        status: 200,
        headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
      });
    },
    scopes: () => [...openPerScope.keys()],
    closeAll(reconnectInMs) {
      for (const end of [...open]) end(reconnectInMs);
    },
    get size() {
      return open.size;
    },
  };
}
