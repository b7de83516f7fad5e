/**
 * `jwtAuth`: bearer JSON Web Tokens verified with `jose` (optional peer dependency), either with a
 * shared HS256 secret or against a remote JWKS (fetched on first use, cached, and fetched again when a
 * token names a key id it has not seen — how issuers rotate keys). Issuer, audience, expiry and
 * not-before are checked with a clock tolerance. Refusals carry distinct codes (token-expired,
 * invalid-token) on a 401, which the client answers by refreshing its token once and resending.
 */
import type * as JoseModule from 'jose';
import type { JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import { InvalidArgumentError, SynclineError } from '../core/errors.js';
import { HttpError } from './http-errors.js';
import { chooseScope, defaultJwtClaims, type JwtClaims, type JwtGrant } from './jwt-claims.js';
import { joseErrorToHttp } from './jwt-errors.js';
import type { AuthResult, Authenticate } from './types.js';

export interface JwtAuthOptions {
  /** Shared secret for HS256 tokens (at least 32 bytes). Give this or `jwksUrl`. */
  secret?: string | Uint8Array;
  /** URL of the issuer's JSON Web Key Set (RS256, ES256, EdDSA, … keys). Give this or `secret`. */
  jwksUrl?: string | URL;
  /** Accepted `iss` value(s); unchecked when absent (set it in production). */
  issuer?: string | string[];
  /** Accepted `aud` value(s); unchecked when absent (set it in production). */
  audience?: string | string[];
  /** Leeway for `exp`/`nbf`/`iat` against clocks that disagree, seconds. Default 30. */
  clockToleranceSec?: number;
  /** Accepted algorithms. Default `['HS256']` with a secret; with a JWKS, what its keys allow (never `none`). */
  algorithms?: string[];
  /**
   * Claims → scopes, roles and subject. Default: `scopes` (array) or `scope` (space-separated string),
   * `roles`, `sub` (see `defaultJwtClaims`). Return `null` to refuse the token (401).
   * @example claims: (c) => ({ scopes: [`shop-${String(c.shop)}`], roles: c.admin === true ? ['admin'] : ['cashier'] })
   */
  claims?: (claims: JwtClaims) => JwtGrant | null;
  /** Remote JWKS fetching; defaults are jose's (5 s timeout, 30 s between refetches for an unknown key id, 10 min cache). */
  jwks?: { timeoutMs?: number; cooldownMs?: number; cacheMaxAgeMs?: number };
}

const MIN_SECRET_BYTES = 32;

/**
 * Authenticate requests by `Authorization: Bearer <JWT>`. The verified claims, mapped by `claims`,
 * give the request's scope and the caller's roles (`MutationContext.caller`).
 * @example jwtAuth({ jwksUrl: 'https://auth.example.com/.well-known/jwks.json', issuer: 'https://auth.example.com/', audience: 'syncline' })
 */
export function jwtAuth(options: JwtAuthOptions): Authenticate {
  const verifyOptions = buildVerifyOptions(options);
  const mapClaims = options.claims ?? defaultJwtClaims;
  const keyFor = lazyKey(options);
  // Start loading jose now, so the first request does not wait for it (a failure is reported per request).
  loadJose().catch(() => {});
  return async (request: Request): Promise<AuthResult | null> => {
    const token = bearerToken(request);
    if (token === undefined) return null;
    const { jwtVerify, errors } = await loadJose();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await keyFor(), verifyOptions));
    } catch (error) {
      throw joseErrorToHttp(error, errors, options.jwksUrl !== undefined);
    }
    const grant = mapClaims(payload);
    if (grant === null) throw invalidToken('The token was refused by the server\'s claims mapping.');
    return {
      scope: chooseScope(grant, request),
      roles: grant.roles ?? [],
      claims: payload,
      ...(grant.subject === undefined ? {} : { subject: grant.subject }),
    };
  };
}

function buildVerifyOptions(options: JwtAuthOptions): JWTVerifyOptions {
  if ((options.secret === undefined) === (options.jwksUrl === undefined)) {
    throw new InvalidArgumentError('jwtAuth: give exactly one of `secret` (HS256) or `jwksUrl` (a JSON Web Key Set).');
  }
  const tolerance = options.clockToleranceSec ?? 30;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new InvalidArgumentError(`jwtAuth: clockToleranceSec must be a number of seconds >= 0, got ${String(tolerance)}.`);
  const algorithms = options.algorithms ?? (options.secret === undefined ? undefined : ['HS256']);
  return {
    clockTolerance: tolerance,
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    ...(algorithms === undefined ? {} : { algorithms }),
  };
}

/** The verification key (or key set), built on first use so a missing `jose` fails requests, not imports. */
function lazyKey(options: JwtAuthOptions): () => Promise<Uint8Array | JWTVerifyGetKey> {
  if (options.secret !== undefined) {
    const secret = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
    if (secret.byteLength < MIN_SECRET_BYTES) {
      throw new InvalidArgumentError(`jwtAuth: the HS256 secret must be at least ${MIN_SECRET_BYTES} bytes (got ${secret.byteLength}); a shorter one can be brute-forced from any token.`);
    }
    return () => Promise.resolve(secret);
  }
  const url = new URL(String(options.jwksUrl));
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidArgumentError(`jwtAuth: jwksUrl must be an http(s) URL, got ${JSON.stringify(String(options.jwksUrl))}.`);
  let keySet: Promise<JWTVerifyGetKey> | undefined;
  const jwks = options.jwks ?? {};
  return () => (keySet ??= loadJose().then(({ createRemoteJWKSet }) => createRemoteJWKSet(url, {
    ...(jwks.timeoutMs === undefined ? {} : { timeoutDuration: jwks.timeoutMs }),
    ...(jwks.cooldownMs === undefined ? {} : { cooldownDuration: jwks.cooldownMs }),
    ...(jwks.cacheMaxAgeMs === undefined ? {} : { cacheMaxAge: jwks.cacheMaxAgeMs }),
  })));
}

function bearerToken(request: Request): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '')?.[1];
}

function invalidToken(message: string): HttpError {
  return new HttpError(401, 'invalid-token', message, { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
}

type Jose = typeof JoseModule;
let jose: Promise<Jose> | undefined;

function loadJose(): Promise<Jose> {
  jose ??= import('jose').catch((error: unknown) => {
    jose = undefined;
    throw new SynclineError('invalid-argument', 'jwtAuth needs the optional peer dependency jose: run `npm install jose@^6`.', { cause: error });
  });
  return jose;
}
