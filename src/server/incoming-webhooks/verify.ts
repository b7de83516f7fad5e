/**
 * Standard Webhooks verification: `webhook-id`, `webhook-timestamp` (seconds), `webhook-signature`
 * (space-separated `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`). The `standardwebhooks`
 * package computes the signature; the timestamp check is ours so it reads the server's injected
 * clock and reports a stale callback apart from a bad signature.
 */
import { Webhook } from 'standardwebhooks';
import { InvalidArgumentError } from '../../core/errors.js';
import { HttpError } from '../http-errors.js';

export interface WebhookHeaders {
  id: string;
  timestamp: number;
  signatures: string[];
}

/** One verifier per configured secret; a bad secret fails at server construction. */
export function verifiers(source: string, secret: string | readonly string[]): Webhook[] {
  const secrets = typeof secret === 'string' ? [secret] : [...secret];
  if (secrets.length === 0) throw new InvalidArgumentError(`incomingWebhooks.sources.${source}.secret: give at least one secret.`);
  return secrets.map((s, i) => {
    try {
      return new Webhook(s);
    } catch (cause) {
      throw new InvalidArgumentError(`incomingWebhooks.sources.${source}.secret[${i}] is not a Standard Webhooks secret ("whsec_" + base64).`, { cause });
    }
  });
}

export function readWebhookHeaders(headers: Headers): WebhookHeaders {
  const id = headers.get('webhook-id');
  const timestamp = headers.get('webhook-timestamp');
  const signature = headers.get('webhook-signature');
  if (id === null || timestamp === null || signature === null) {
    throw new HttpError(400, 'webhook-headers-missing', 'An incoming webhook needs the headers webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks).');
  }
  if (id.length === 0 || id.length > 256) throw new HttpError(400, 'webhook-headers-missing', 'webhook-id must be 1–256 characters.');
  if (!/^\d{1,12}$/.test(timestamp)) throw new HttpError(400, 'webhook-headers-missing', 'webhook-timestamp must be whole seconds since 1970.');
  return { id, timestamp: Number(timestamp), signatures: signature.split(' ') };
}

export function assertFresh(timestampSeconds: number, nowMs: number, toleranceSeconds: number): void {
  if (Math.abs(nowMs / 1000 - timestampSeconds) <= toleranceSeconds) return;
  throw new HttpError(401, 'webhook-stale', `webhook-timestamp is more than ${toleranceSeconds} s away from the server's clock; a late or replayed callback is refused. Resend it freshly signed.`, {
    details: { toleranceSeconds },
  });
}

/** Throws 401 `webhook-signature-invalid` unless one `v1` signature matches one of the secrets. */
export function assertSigned(webhooks: readonly Webhook[], headers: WebhookHeaders, body: string): void {
  const encoder = new TextEncoder();
  const offered = headers.signatures.filter((s) => s.startsWith('v1,')).map((s) => encoder.encode(s.slice(3)));
  for (const webhook of webhooks) {
    const expected = encoder.encode(webhook.sign(headers.id, new Date(headers.timestamp * 1000), body).slice(3));
    if (offered.some((candidate) => constantTimeEqual(candidate, expected))) return;
  }
  throw new HttpError(401, 'webhook-signature-invalid', 'webhook-signature matches none of this source\'s secrets (v1 HMAC-SHA256 of "webhook-id.webhook-timestamp.body").');
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
