/**
 * Webhook headers for the fuzz suite: mostly a valid Standard Webhooks signature of the body (so cases
 * reach the payload checks and the write), otherwise missing, garbled, stale or wrongly signed ones.
 */
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import type { IncomingWebhookOptions } from '../../../src/server.js';
import { isJsonObject } from '../../../src/protocol/json.js';

const SECRET = 'whsec_' + Buffer.from('fuzzing secret, thirty-two bytes').toString('base64');
const WRONG = 'whsec_' + Buffer.from('not the secret, thirty-two bytes').toString('base64');

/** The fuzzed server's source: a JSON object with `args` becomes a generic record mutation in scope-fuzz. */
export const FUZZ_WEBHOOKS: IncomingWebhookOptions = {
  sources: {
    fiscal: {
      secret: SECRET,
      handle: (payload) => {
        if (!isJsonObject(payload)) throw new Error('the payload must be an object');
        const first = Array.isArray(payload['mutations']) ? payload['mutations'][0] : undefined;
        if (!isJsonObject(first ?? null) || typeof (first as { name?: unknown }).name !== 'string') return null;
        const mutation = first as { name: string; args?: unknown };
        return { scope: 'scope-fuzz', mutation: mutation.name, args: (mutation.args ?? null) as never };
      },
    },
  },
  maxBodyBytes: 16 * 1024,
};

let sequence = 0;

/** Given the body text, the webhook-* headers to send. */
export const webhookHeaders: fc.Arbitrary<(body: string) => Record<string, string>> = fc.record({
  id: fc.oneof({ weight: 6, arbitrary: fc.constant('fresh') }, { weight: 1, arbitrary: fc.constantFrom('replay', '', 'x'.repeat(300), 'id with spaces') }),
  skewSeconds: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -60, max: 60 }) }, { weight: 1, arbitrary: fc.integer({ min: -100_000, max: 100_000 }) }),
  timestamp: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('', 'soon', '-1', '1e3', '99999999999999') }),
  signature: fc.constantFrom('valid', 'valid', 'valid', 'valid', 'wrong-secret', 'garbage', 'missing', 'v2-only'),
}).map((c) => (body: string) => {
  const id = c.id === 'fresh' ? `fuzz_${String(++sequence)}` : c.id === 'replay' ? 'fuzz_replayed' : c.id;
  const at = new Date(Date.now() + c.skewSeconds * 1000);
  const headers: Record<string, string> = { 'webhook-id': id, 'webhook-timestamp': c.timestamp ?? String(Math.floor(at.getTime() / 1000)) };
  const sign = (secret: string): string => new Webhook(secret).sign(id, at, body);
  if (c.signature === 'valid') headers['webhook-signature'] = sign(SECRET);
  if (c.signature === 'wrong-secret') headers['webhook-signature'] = sign(WRONG);
  if (c.signature === 'garbage') headers['webhook-signature'] = 'v1,not-base64!!';
  if (c.signature === 'v2-only') headers['webhook-signature'] = sign(SECRET).replace('v1,', 'v2,');
  return headers;
});
