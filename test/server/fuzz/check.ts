/** What every fuzzed answer must satisfy: no 5xx, and a non-2xx carries a documented JSON error body. */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { ServerDatabase } from '../../../src/server/schema.js';

/** Error codes from docs/PROTOCOL.md's error table: a code the server uses but does not document fails. */
export const DOCUMENTED_CODES: ReadonlySet<string> = new Set(
  [...readFileSync(new URL('../../../docs/PROTOCOL.md', import.meta.url), 'utf8').matchAll(/^\| (\d{3}) \| `([a-z-]+)` \|/gm)].map((m) => m[2] as string),
);

export async function bodyText(response: Response): Promise<string> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  return new TextDecoder('utf-8', { fatal: true }).decode(response.headers.get('content-encoding') === 'gzip' ? gunzipSync(bytes) : bytes);
}

/** Throws (with the request described) unless the answer keeps the protocol's promises. */
export async function checkAnswer(response: Response, what: string): Promise<void> {
  const fail = (problem: string): never => {
    throw new Error(`${what}: ${problem}`);
  };
  if (response.status >= 500) fail(`answered ${response.status}: ${await bodyText(response).catch(() => '?')}`);
  if (response.headers.get('content-type')?.startsWith('text/event-stream') === true) {
    await response.body?.cancel();
    return;
  }
  const text = await bodyText(response);
  if (response.status < 400) {
    JSON.parse(text);
    return;
  }
  if (response.headers.get('content-type')?.startsWith('application/json') !== true) fail(`error ${response.status} without a JSON content type`);
  const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; retryable?: unknown; details?: unknown } };
  const error = body.error;
  if (typeof error !== 'object' || error === null) fail(`error ${response.status} without an error object: ${text}`);
  if (typeof error?.code !== 'string' || !DOCUMENTED_CODES.has(error.code)) fail(`error code ${JSON.stringify(error?.code)} is not in PROTOCOL.md's table`);
  if (typeof error?.message !== 'string' || error.message === '') fail('error without a message');
  if (typeof error?.retryable !== 'boolean') fail('error without retryable');
  if (error?.details !== undefined && (typeof error.details !== 'object' || error.details === null)) fail('details is not an object');
}

/** One row that changes whenever anything a request could write changes. */
export async function stateFingerprint(db: Kysely<ServerDatabase>): Promise<string> {
  const result = await sql<Record<string, unknown>>`
    SELECT (SELECT count(*) FROM records) AS records,
           (SELECT coalesce(sum(version), 0) FROM scopes) AS versions,
           (SELECT count(*) FROM clients) AS clients,
           (SELECT coalesce(sum(last_mutation_id), 0) FROM clients) AS consumed,
           (SELECT count(*) FROM mutation_outcomes) AS outcomes,
           (SELECT count(*) FROM dead_letters) AS dead,
           (SELECT count(*) FROM incoming_webhooks) AS webhooks,
           (SELECT count(*) FROM webhook_subscriptions) AS subscriptions,
           (SELECT count(*) FROM effect_dead_letters WHERE status = 'dead') AS undelivered`.execute(db);
  return JSON.stringify(Object.values(result.rows[0] ?? {}).map(String));
}
