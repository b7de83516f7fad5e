/** A bearer-token authenticator for demos and tests. Real deployments plug in their own `auth`. */
import type { AuthResult, Authenticate, MutationCaller } from './types.js';

/**
 * `Authorization: Bearer <token>` → the scope mapped to that token; anything else → null (401).
 * @example tokenAuth({ 'secret-a': 'shop-1', 'secret-b': 'shop-2' })
 */
export function tokenAuth(tokens: Record<string, string>): Authenticate {
  const scopes = new Map(Object.entries(tokens));
  return (request: Request): AuthResult | null => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
    const token = match?.[1];
    const scope = token === undefined ? undefined : scopes.get(token);
    return scope === undefined ? null : { scope, subject: `token:${scope}` };
  };
}

/** What a handler learns about who pushed (subject, roles, claims), from the request's authentication. */
export function callerOf(auth: AuthResult | null): MutationCaller | undefined {
  if (auth === null) return undefined;
  return {
    roles: auth.roles ?? [],
    ...(auth.subject === undefined ? {} : { subject: auth.subject }),
    ...(auth.claims === undefined ? {} : { claims: auth.claims }),
  };
}
