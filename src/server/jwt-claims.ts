/**
 * From a verified token's claims to what the server acts on: the scope(s) the caller may sync, its
 * roles and its subject. The default reads the common claim names; `jwtAuth({ claims })` replaces it.
 */
import { HttpError } from './http-errors.js';

/** What a token grants; `scopes` empty → the token is refused (403). */
export interface JwtGrant {
  /** Scopes the caller may sync. With several, the request names one in the `Syncline-Scope` header. */
  scopes: string[];
  /** Roles for named handlers and rules (`ctx.caller.roles`). */
  roles?: string[];
  /** Who is calling; default the `sub` claim. */
  subject?: string;
}

/** Verified JWT claims (the payload). */
export type JwtClaims = Readonly<Record<string, unknown>>;

/** The request header that picks one scope when a token grants several. */
export const SCOPE_HEADER = 'syncline-scope';

/**
 * Default mapping: `scopes` (an array of strings) or `scope` (a string; several separated by spaces,
 * as in RFC 8693), `roles` (an array of strings, or one string), `sub` as the subject.
 */
export function defaultJwtClaims(claims: JwtClaims): JwtGrant {
  const scopes = Array.isArray(claims['scopes'])
    ? claims['scopes'].filter((s): s is string => typeof s === 'string' && s !== '')
    : typeof claims['scope'] === 'string'
      ? claims['scope'].split(' ').filter((s) => s !== '')
      : [];
  const roles = claims['roles'];
  return {
    scopes,
    roles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : typeof roles === 'string' ? [roles] : [],
    ...(typeof claims['sub'] === 'string' ? { subject: claims['sub'] } : {}),
  };
}

/** The one scope this request syncs: the only one granted, or the granted one the request names. */
export function chooseScope(grant: JwtGrant, request: Request): string {
  const asked = request.headers.get(SCOPE_HEADER)?.trim();
  if (grant.scopes.length === 0) {
    throw new HttpError(403, 'forbidden', 'The token is valid but grants no scope: issue it with a "scope" or "scopes" claim (or configure jwtAuth({ claims })).');
  }
  if (asked === undefined || asked === '') {
    const only = grant.scopes[0];
    if (grant.scopes.length === 1 && only !== undefined) return only;
    throw new HttpError(400, 'scope-required', `The token grants several scopes; name one in the "Syncline-Scope" header (one of: ${grant.scopes.join(', ')}).`, {
      details: { scopes: grant.scopes },
    });
  }
  if (!grant.scopes.includes(asked)) {
    throw new HttpError(403, 'forbidden', `The token does not grant scope ${JSON.stringify(asked)} (Syncline-Scope header); it grants: ${grant.scopes.join(', ')}.`);
  }
  return asked;
}
