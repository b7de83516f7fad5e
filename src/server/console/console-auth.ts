/**
 * The console's admin session. The operator opens `/console?token=<admin token>` once; the server
 * checks it (constant time) and answers with a session cookie holding an HMAC of the token — never
 * the token itself — `HttpOnly`, `SameSite=Strict`, scoped to the console's path. Changing the admin
 * token ends every session. Actions (POST) also require an `Origin` equal to the server's own, so
 * another site cannot make a logged-in browser replay a dead letter.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'syncline_console';

export class ConsoleAuth {
  readonly #token: string;
  readonly #session: string;

  constructor(token: string) {
    this.#token = token;
    this.#session = createHmac('sha256', token).update('syncline console session v1').digest('base64url');
  }

  tokenMatches(candidate: string | null): boolean {
    return candidate !== null && safeEqual(candidate, this.#token);
  }

  hasSession(request: Request): boolean {
    const cookie = request.headers.get('cookie') ?? '';
    for (const part of cookie.split(';')) {
      const [name, value] = part.trim().split('=', 2);
      if (name === SESSION_COOKIE && value !== undefined && safeEqual(value, this.#session)) return true;
    }
    return false;
  }

  sessionCookie(path: string): string {
    return `${SESSION_COOKIE}=${this.#session}; Path=${path}; HttpOnly; SameSite=Strict`;
  }
}

/** A POST must come from a page of this server (browsers always send Origin on POST). */
export function sameOrigin(request: Request): boolean {
  const origin = request.headers.get('origin');
  return origin !== null && origin === new URL(request.url).origin;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
