/**
 * `httpEffect`: an effect handler that POSTs the payload as JSON to a URL with an `Idempotency-Key`
 * header (the effect id), so the receiver can perform a redelivered effect once. A 2xx delivers (a
 * JSON body becomes the effect's result); 408, 425, 429 and 5xx are retried; any other status is a
 * refusal for good and dead-letters the effect.
 */
import type { JsonValue } from '../../protocol/json.js';
import { PermanentEffectError } from './errors.js';
import type { EffectDeliver } from './types.js';

export interface HttpEffectOptions {
  url: string | ((payload: JsonValue) => string);
  /** Extra request headers (e.g. the external API's credentials). */
  headers?: Record<string, string>;
  /** Injected fetch (default: the global one). */
  fetch?: typeof fetch;
}

const RETRYABLE = new Set([408, 425, 429]);

export function httpEffect(options: HttpEffectOptions): EffectDeliver {
  const send = options.fetch ?? fetch;
  return async (effect, ctx) => {
    const url = typeof options.url === 'function' ? options.url(effect.payload) : options.url;
    const response = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers, 'idempotency-key': ctx.idempotencyKey },
      body: JSON.stringify(effect.payload),
      signal: ctx.signal,
    });
    const text = await response.text();
    if (response.ok) return parseJson(text, response.headers.get('content-type'));
    const message = `${url} answered ${response.status} to effect ${effect.id}: ${text.slice(0, 300)}`;
    if (response.status >= 500 || RETRYABLE.has(response.status)) throw new Error(message);
    throw new PermanentEffectError(message, { details: { status: response.status } });
  };
}

function parseJson(text: string, contentType: string | null): JsonValue | undefined {
  if (text === '' || contentType === null || !contentType.includes('json')) return undefined;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}
