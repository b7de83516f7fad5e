/**
 * `<basePath>/console`: a live operator console served by the sync server itself (server-rendered
 * shell, one small inline script, no dependencies). Off unless `console: { token }` is configured.
 *
 *   GET  /console?token=T      → 303 to /console with the session cookie (console-auth.ts)
 *   GET  /console              → the page (401 page without a session)
 *   GET  /console/state        → ConsoleState JSON
 *   GET  /console/events       → text/event-stream: `changed` after commits and conflicts (≤ 4/s)
 *   POST /console/replay       → { id } → server.replayDeadLetter(id)
 *   POST /console/replay-effect → { id } → server.effects.replay(id) (a dead-lettered effect or webhook delivery)
 *
 * Errors carry the protocol's JSON error body, like every other answer of the server.
 */
import { InvalidArgumentError, isSynclineError } from '../../core/errors.js';
import { errorResponse, HttpError, jsonResponse } from '../http-errors.js';
import { ConsoleAuth, sameOrigin } from './console-auth.js';
import { renderConsolePage, renderLoginPage } from './console-page.js';
import type { ConsoleState } from './console-state.js';

export interface ConsoleOptions {
  /** The admin token that opens the console (keep it secret; env SYNCLINE_CONSOLE_TOKEN in `serve`). */
  token: string;
}

export interface ConsoleSource {
  state(): Promise<ConsoleState>;
  replay(id: string): Promise<unknown>;
  /** Put a dead-lettered effect back in the outbox. */
  replayEffect(id: string): Promise<unknown>;
  /** Calls `listener` after anything the console shows may have changed; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
}

const THROTTLE_MS = 250;
const HEARTBEAT_MS = 15_000;

export function createConsoleHandler(options: ConsoleOptions, basePath: string, source: ConsoleSource, signal: AbortSignal): (request: Request) => Promise<Response> | undefined {
  if (typeof options.token !== 'string' || options.token.length < 16) {
    throw new InvalidArgumentError('console.token must be a string of at least 16 characters (it is an admin password for the console).');
  }
  const auth = new ConsoleAuth(options.token);
  const root = `${basePath}/console`;
  return (request) => {
    const path = new URL(request.url).pathname;
    if (path !== root && !path.startsWith(`${root}/`)) return undefined;
    return handle(request, path.slice(root.length));
  };

  async function handle(request: Request, sub: string): Promise<Response> {
    try {
      if (sub === '' && request.method === 'GET') {
        const token = new URL(request.url).searchParams.get('token');
        if (auth.tokenMatches(token)) return new Response(null, { status: 303, headers: { location: root, 'set-cookie': auth.sessionCookie(root), 'cache-control': 'no-store' } });
        if (!auth.hasSession(request)) return html(renderLoginPage(), 401);
        return html(renderConsolePage(root), 200);
      }
      if (!auth.hasSession(request)) throw new HttpError(401, 'unauthenticated', 'Open the console with ?token=<admin token> first; this request carries no console session.');
      if (sub === '/state' && request.method === 'GET') return jsonResponse(await source.state());
      if (sub === '/events' && request.method === 'GET') return events();
      if (sub === '/replay' && request.method === 'POST') return await replay(request, (id) => source.replay(id));
      if (sub === '/replay-effect' && request.method === 'POST') return await replay(request, (id) => source.replayEffect(id));
      const post = sub === '/replay' || sub === '/replay-effect';
      if (sub === '/state' || sub === '/events' || post) throw new HttpError(405, 'method-not-allowed', `${request.method} is not allowed here.`, { headers: { allow: post ? 'POST' : 'GET' } });
      throw new HttpError(404, 'not-found', `No console page at ${root}${sub}.`);
    } catch (error) {
      if (error instanceof HttpError) return errorResponse(error);
      if (isSynclineError(error) && error.code === 'invalid-argument') return errorResponse(new HttpError(400, 'invalid-request', error.message));
      throw error;
    }
  }

  async function replay(request: Request, run: (id: string) => Promise<unknown>): Promise<Response> {
    if (!sameOrigin(request)) throw new HttpError(403, 'forbidden', 'Console actions must come from the console page itself (the Origin header does not match this server).');
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      throw new HttpError(400, 'invalid-json', 'The body must be JSON: { "id": "<dead letter id>" }.');
    }
    const id = (body as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') throw new HttpError(400, 'invalid-request', 'The body must be { "id": "<dead letter id>" }.');
    return jsonResponse(await run(id));
  }

  function events(): Response {
    const encoder = new TextEncoder();
    let stop = (): void => undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        let pending: ReturnType<typeof setTimeout> | undefined;
        const send = (text: string): void => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            stop();
          }
        };
        const unsubscribe = source.onChange(() => {
          pending ??= setTimeout(() => {
            pending = undefined;
            send('event: changed\ndata: {}\n\n');
          }, THROTTLE_MS);
        });
        const heartbeat = setInterval(() => send(': heartbeat\n\n'), HEARTBEAT_MS);
        stop = () => {
          unsubscribe();
          clearInterval(heartbeat);
          if (pending !== undefined) clearTimeout(pending);
          signal.removeEventListener('abort', close);
        };
        const close = (): void => {
          stop();
          try {
            controller.close();
          } catch {
            // Already closed by the client going away.
          }
        };
        signal.addEventListener('abort', close);
        send('event: changed\ndata: {}\n\n');
      },
      cancel() {
        stop();
      },
    });
    return new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store' } });
  }
}

function html(body: string, status: number): Response {
  return new Response(body, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // The page's one script is inline and known; nothing else may run or frame it.
      'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    },
  });
}
