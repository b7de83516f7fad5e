/**
 * CORS, so a web app on another origin can call the server from the browser. Only origins the
 * operator lists are answered; credentials are bearer tokens in `Authorization`, never cookies, so
 * `Access-Control-Allow-Credentials` is not sent. A preflight from a listed origin is answered 204
 * whatever the path; one from an unlisted origin 403 with the JSON error body. Every answer to a listed
 * origin — errors included — carries the CORS headers, so the app can read the error code and the
 * headers it needs (`Retry-After` after a 429/503, `WWW-Authenticate` after a 401).
 */
import { InvalidArgumentError } from '../core/errors.js';
import { errorResponse, HttpError } from './http-errors.js';

export interface CorsOptions {
  /**
   * Origins allowed to call the server (`scheme://host[:port]`, exactly as the browser sends it), or
   * `'*'` for any origin.
   * @example { origins: ['https://till.example.com', 'http://localhost:5173'] }
   */
  origins: readonly string[] | '*';
  /** How long a browser may cache a preflight answer, in seconds (default 600). */
  maxAgeSeconds?: number;
}

const ALLOW_METHODS = 'GET, POST';
/** What the client library sends; anything else a preflight asks for is not allowed. */
const ALLOW_HEADERS = ['authorization', 'content-type', 'content-encoding', 'last-event-id'];
/** Response headers a page may read beyond the CORS-safelisted ones. */
const EXPOSE_HEADERS = 'Retry-After, WWW-Authenticate, Allow, Content-Encoding, Content-Length';

export interface Cors {
  /** The preflight answer for an OPTIONS request carrying an Origin, or undefined for any other request. */
  preflight(request: Request): Response | undefined;
  /** The response with CORS headers added when the request's origin is allowed. */
  decorate(request: Request, response: Response): Response;
}

export function createCors(options: CorsOptions): Cors {
  const origins = validateOrigins(options.origins);
  const maxAge = options.maxAgeSeconds ?? 600;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw new InvalidArgumentError(`cors.maxAgeSeconds must be a whole number of seconds >= 0, got ${String(options.maxAgeSeconds)}.`);
  const allowed = (origin: string | null): origin is string => origin !== null && (origins === '*' || origins.has(origin));

  return {
    preflight(request) {
      const origin = request.headers.get('origin');
      if (request.method !== 'OPTIONS' || origin === null) return undefined;
      if (!allowed(origin)) {
        return errorResponse(new HttpError(403, 'cors-origin-forbidden', `Origin ${JSON.stringify(origin)} may not call this server; the operator lists allowed origins (cors.origins, --cors-origin).`, {
          headers: { vary: 'Origin' },
        }));
      }
      const asked = (request.headers.get('access-control-request-headers') ?? '').split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
      const headers = new Headers({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': ALLOW_METHODS,
        'access-control-allow-headers': [...new Set([...ALLOW_HEADERS, ...asked.filter((h) => ALLOW_HEADERS.includes(h))])].join(', '),
        'access-control-max-age': String(maxAge),
        vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
        'cache-control': 'no-store',
      });
      return new Response(null, { status: 204, headers });
    },
    decorate(request, response) {
      const origin = request.headers.get('origin');
      if (!allowed(origin)) return response;
      const headers = new Headers(response.headers);
      headers.set('access-control-allow-origin', origin);
      headers.set('access-control-expose-headers', EXPOSE_HEADERS);
      headers.append('vary', 'Origin');
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
    },
  };
}

function validateOrigins(origins: CorsOptions['origins']): ReadonlySet<string> | '*' {
  if (origins === '*') return '*';
  if (!Array.isArray(origins) || origins.length === 0) throw new InvalidArgumentError("cors.origins: list at least one origin (e.g. ['https://app.example.com']) or pass '*'.");
  return new Set(origins.map((origin) => {
    if (origin === '*') throw new InvalidArgumentError("cors.origins: '*' allows every origin on its own; pass origins: '*' instead of a list holding it.");
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed.origin !== origin || parsed.origin === 'null') {
      throw new InvalidArgumentError(`cors.origins: ${JSON.stringify(origin)} is not an origin; write it as the browser sends it, scheme://host[:port] without a path or trailing slash (e.g. "https://app.example.com").`);
    }
    return origin;
  }));
}
