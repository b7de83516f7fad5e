/**
 * jose's verification failures as HTTP answers. A token that is expired or otherwise unacceptable is a
 * 401 (the client refreshes its token once and resends); a key set that cannot be fetched is the
 * server's problem, a retryable 503, so clients keep their token and try again later.
 */
import type * as jose from 'jose';
import { HttpError } from './http-errors.js';

const RETRY_AFTER_SECONDS = 5;

/** `remote`: the key comes from a JWKS fetched over the network (only then can a failure be the fetch's). */
export function joseErrorToHttp(error: unknown, errors: typeof jose.errors, remote: boolean): HttpError {
  const unauthorized = (code: string, message: string, description: string): HttpError =>
    new HttpError(401, code, message, { cause: error, headers: { 'www-authenticate': `Bearer error="invalid_token", error_description="${description.replace(/["\\]/g, "'")}"` } });
  if (error instanceof errors.JWTExpired) {
    return unauthorized('token-expired', 'The token has expired; get a new one (the client refreshes it through its token function) and send the request again.', 'expired');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return unauthorized('invalid-token', `The token's "${error.claim}" claim is not accepted (${error.reason}): check the issuer, audience and clocks.`, `${error.claim} ${error.reason}`);
  }
  if (remote && (error instanceof errors.JWKSTimeout || isKeySetFetchFailure(error, errors))) {
    return new HttpError(503, 'auth-unavailable', 'The server cannot fetch the key set to verify tokens; retry shortly.', {
      retryable: true,
      cause: error,
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
    });
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return unauthorized('invalid-token', 'The token is signed with a key the issuer\'s key set does not hold.', 'unknown key');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return unauthorized('invalid-token', 'The token\'s signature does not verify: it was signed with another key.', 'bad signature');
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return unauthorized('invalid-token', 'The token is signed with an algorithm this server does not accept.', 'algorithm not allowed');
  }
  if (error instanceof errors.JOSEError) {
    return unauthorized('invalid-token', `The bearer token is not a valid JWT (${error.message}).`, 'malformed');
  }
  throw error;
}

/** A network failure or a non-200/non-JSON answer while fetching the JWKS (jose passes these up bare or generic). */
function isKeySetFetchFailure(error: unknown, errors: typeof jose.errors): boolean {
  if (error instanceof TypeError) return true; // fetch() failed: connection refused, DNS, TLS
  if (error instanceof errors.JWKSInvalid) return true;
  return error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/.test(error.message);
}
