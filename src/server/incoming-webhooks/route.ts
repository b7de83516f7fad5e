/**
 * `POST <basePath>/v1/webhooks/in/<source>`: a signed callback from an outside service (the fiscal
 * service reporting a receipt accepted or refused) becomes a server-side write in the scope the
 * source's `handle` names, poked to that scope's clients like any change. Checks run cheapest first
 * and each refusal is a 4xx that changes nothing: headers, timestamp tolerance, body size and type,
 * signature (any of the source's secrets), JSON, `handle`. The `webhook-id` is recorded in the same
 * transaction as the write, under the scope lock, so a redelivery — even after a crash — is refused
 * as `webhook-replayed` and the write happens once.
 */
import type { Kysely } from 'kysely';
import type { Webhook } from 'standardwebhooks';
import { InvalidArgumentError } from '../../core/errors.js';
import { isJsonObject, type JsonValue } from '../../protocol/json.js';
import { PROTOCOL_VERSION } from '../../protocol/wire.js';
import { HttpError, jsonResponse } from '../http-errors.js';
import { assertAcceptableJson, assertJsonContentType, readLimitedText, tooLarge } from '../read-body.js';
import type { ServerDatabase } from '../schema.js';
import { runServerMutation, type ServerMutationDeps } from '../server-mutation.js';
import type { IncomingWebhookOptions, IncomingWebhookSource, IncomingWebhookWrite } from './types.js';
import { assertFresh, assertSigned, readWebhookHeaders, verifiers } from './verify.js';

/** `ctx.clientId` of a write caused by an incoming webhook. */
export const WEBHOOK_CLIENT_ID = 'syncline:webhook';
export const INCOMING_WEBHOOK_PATH = '/v1/webhooks/in/';
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface IncomingWebhookDeps extends Omit<ServerMutationDeps, 'db'> {
  db(): Kysely<ServerDatabase>;
  now(): number;
  bodyTimeoutMs: number;
}

/** One handler per configured source, keyed by its path below the base path. */
export function incomingWebhookRoutes(options: IncomingWebhookOptions, deps: IncomingWebhookDeps): Map<string, (request: Request) => Promise<Response>> {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!(tolerance > 0)) throw new InvalidArgumentError(`incomingWebhooks.toleranceSeconds must be positive, got ${String(tolerance)}.`);
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const routes = new Map<string, (request: Request) => Promise<Response>>();
  for (const [name, source] of Object.entries(options.sources)) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new InvalidArgumentError(`incomingWebhooks.sources: "${name}" is not a source name ([A-Za-z0-9_-], 1–64 characters).`);
    const webhooks = verifiers(name, source.secret);
    routes.set(INCOMING_WEBHOOK_PATH + name, (request) => receive(request, name, source, webhooks, { tolerance, maxBytes }, deps));
  }
  return routes;
}

async function receive(
  request: Request,
  source: string,
  config: IncomingWebhookSource,
  webhooks: readonly Webhook[],
  limits: { tolerance: number; maxBytes: number },
  deps: IncomingWebhookDeps,
): Promise<Response> {
  const headers = readWebhookHeaders(request.headers);
  assertFresh(headers.timestamp, deps.now(), limits.tolerance);
  assertJsonContentType(request.headers.get('content-type'));
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limits.maxBytes) throw tooLarge(limits.maxBytes);
  const body = await readLimitedText(request, limits.maxBytes, deps.bodyTimeoutMs);
  assertSigned(webhooks, headers, body);
  const payload = parsePayload(body);
  const write = describeWrite(source, config, payload, request.headers);
  if (write === null) {
    await recordIgnored(deps.db(), source, headers.id, deps.now());
    return jsonResponse({ v: PROTOCOL_VERSION, status: 'ignored' });
  }
  const outcome = await runServerMutation({ ...deps, db: deps.db() }, {
    scope: write.scope,
    name: write.mutation,
    args: write.args,
    origin: WEBHOOK_CLIENT_ID,
    before: (trx) => assertUnseen(trx, source, headers.id),
    after: async (trx, result) => {
      await trx.insertInto('incoming_webhooks').values({
        source,
        webhook_id: headers.id,
        scope: write.scope,
        received_at: deps.now(),
        status: result.status,
        version: result.status === 'applied' ? result.version : null,
      }).execute();
    },
  });
  deps.logger.info('server: incoming webhook', { source, webhookId: headers.id, scope: write.scope, status: outcome.status });
  // A rejection is an answer, not an error: 2xx stops the sender retrying what would be refused again.
  if (outcome.status === 'rejected') return jsonResponse({ v: PROTOCOL_VERSION, status: 'rejected', code: outcome.code, message: outcome.message });
  return jsonResponse({ v: PROTOCOL_VERSION, status: 'applied', version: outcome.version });
}

function parsePayload(body: string): JsonValue {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch (cause) {
    throw new HttpError(400, 'invalid-json', `The webhook body is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  assertAcceptableJson(payload);
  return payload as JsonValue;
}

function describeWrite(source: string, config: IncomingWebhookSource, payload: JsonValue, headers: Headers): IncomingWebhookWrite | null {
  let write: unknown;
  try {
    write = config.handle(payload, headers);
  } catch (cause) {
    throw new HttpError(400, 'webhook-payload-invalid', `Source "${source}" could not use this callback: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  if (write === null) return null;
  if (isJsonObject(write as JsonValue) && typeof (write as IncomingWebhookWrite).scope === 'string' && (write as IncomingWebhookWrite).scope !== '' && (write as IncomingWebhookWrite).scope.length <= 256 && typeof (write as IncomingWebhookWrite).mutation === 'string' && 'args' in (write as object)) {
    return write as IncomingWebhookWrite;
  }
  throw new HttpError(400, 'webhook-payload-invalid', `Source "${source}": handle() must return { scope, mutation, args } or null for this callback.`);
}

async function assertUnseen(db: Kysely<ServerDatabase>, source: string, id: string): Promise<void> {
  const seen = await db.selectFrom('incoming_webhooks').select('status').where('source', '=', source).where('webhook_id', '=', id).executeTakeFirst();
  if (seen !== undefined) throw replayed(source, id);
}

async function recordIgnored(db: Kysely<ServerDatabase>, source: string, id: string, now: number): Promise<void> {
  const inserted = await db.insertInto('incoming_webhooks').values({ source, webhook_id: id, scope: null, received_at: now, status: 'ignored', version: null })
    .onConflict((oc) => oc.columns(['source', 'webhook_id']).doNothing()).executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) throw replayed(source, id);
}

function replayed(source: string, id: string): HttpError {
  return new HttpError(409, 'webhook-replayed', `Source "${source}" already delivered webhook-id "${id}"; a callback is acted on once.`);
}
