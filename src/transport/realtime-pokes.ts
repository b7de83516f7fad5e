/**
 * `createRealtimePokes`: the default realtime channel — WebSocket first, Server-Sent Events when the
 * socket cannot be used (no WebSocket on the platform, a proxy that refuses upgrades, a server without
 * `ws`), and nothing when neither works (React Native against a server without sockets): the sync
 * loop's interval pulls then carry on alone. See realtime-ladder.ts for when it moves between them.
 */
import { readStream, type SsePokesOptions } from './realtime.js';
import { createRealtimeLadder, type LadderChannel, type PokeSource } from './realtime-ladder.js';
import { webSocketSource, type WebSocketPokesOptions } from './websocket-pokes.js';

export interface RealtimePokesOptions extends WebSocketPokesOptions {
  /** Used for the SSE fallback; default `globalThis.fetch`. */
  fetch?: SsePokesOptions['fetch'];
  /** Leave out a source, e.g. `['sse']` behind a proxy known to refuse upgrades. Default both, in this order. */
  sources?: ReadonlyArray<'websocket' | 'sse'>;
}

export function sseSource(options: SsePokesOptions): PokeSource {
  return { name: 'sse', session: (signal, onPoke) => readStream(options, signal, onPoke) };
}

/**
 * Pokes over WebSocket, falling back to SSE, then to the sync loop's interval pulls.
 * @example createRealtimePokes({ url: 'https://sync.example.com', token: () => auth.token() })
 * @example createRealtimePokes({ url, token, WebSocket }) // Node 20: `import { WebSocket } from 'ws'`
 */
export function createRealtimePokes(options: RealtimePokesOptions): LadderChannel {
  const sse: SsePokesOptions = {
    url: options.url,
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  };
  const all = { websocket: webSocketSource(options), sse: sseSource(sse) };
  return createRealtimeLadder((options.sources ?? ['websocket', 'sse']).map((name) => all[name]), options);
}
