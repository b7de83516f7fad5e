/**
 * The webhook admin API, `<basePath>/v1/admin/webhooks/…`, behind `webhooks.admin.token` (a bearer
 * token compared in constant time; off unless configured):
 *
 *   GET    /subscriptions                    → { subscriptions }   (secrets are not listed)
 *   POST   /subscriptions                    → 201 { subscription } (with its secret, shown once here)
 *   DELETE /subscriptions/<id>               → { removed: true } | 404
 *   GET    /deliveries?status=&limit=        → { deliveries }   (pending | delivered | all)
 *   GET    /dead-letters?status=&limit=      → { deadLetters }  (dead | replayed | all)
 *   POST   /dead-letters/<id>/replay         → { replayed: id } | 404 | 409 already replayed
 *
 * Bad input is a 4xx with the protocol's JSON error body; nothing here is retryable.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { InvalidArgumentError, isSynclineError } from '../../core/errors.js';
import { errorResponse, HttpError, jsonResponse } from '../http-errors.js';
import { readJsonBody } from '../read-body.js';
import type { ServerDatabase } from '../schema.js';
import { listEffectDeadLetters, listEffects, readEffectDeadLetter, replayEffectDeadLetter } from '../effects/storage.js';
import { WEBHOOK_EFFECT } from './storage.js';
import type { WebhookSubscription, WebhooksAdmin, WebhookSubscriptionInput } from './types.js';

export const WEBHOOK_ADMIN_PATH = '/v1/admin/webhooks';
const MAX_BODY_BYTES = 16 * 1024;
const MAX_LIMIT = 1000;

export interface WebhookAdminDeps {
  token: string;
  basePath: string;
  admin: WebhooksAdmin;
  db: () => Promise<Kysely<ServerDatabase>>;
  now: () => number;
  /** A replayed delivery is due at once: wake the worker. */
  wake: () => void;
}

/** undefined for a request outside the admin API (the server then routes it as usual). */
export function createWebhookAdminHandler(deps: WebhookAdminDeps): (request: Request) => Promise<Response> | undefined {
  if (typeof deps.token !== 'string' || deps.token.length < 16) {
    throw new InvalidArgumentError('webhooks.admin.token must be a string of at least 16 characters (it is an admin password for the webhook API).');
  }
  const expected = digest(deps.token);
  const root = deps.basePath + WEBHOOK_ADMIN_PATH;
  return (request) => {
    const url = new URL(request.url);
    if (url.pathname !== root && !url.pathname.startsWith(`${root}/`)) return undefined;
    return handle(request, url, url.pathname.slice(root.length)).catch(toResponse);
  };

  async function handle(request: Request, url: URL, path: string): Promise<Response> {
    authorize(request, expected);
    const parts = path.split('/').slice(1).map(decodeSegment);
    const [resource, id, action] = parts;
    if (resource === 'subscriptions' && parts.length === 1) {
      if (request.method === 'GET') return jsonResponse({ subscriptions: (await deps.admin.list()).map(withoutSecrets) });
      if (request.method === 'POST') return jsonResponse({ subscription: await deps.admin.add(subscriptionInput(await readJsonBody(request, MAX_BODY_BYTES))) }, 201);
      throw notAllowed(request, 'GET, POST');
    }
    if (resource === 'subscriptions' && parts.length === 2 && id !== undefined) {
      if (request.method !== 'DELETE') throw notAllowed(request, 'DELETE');
      if (!(await deps.admin.remove(id))) throw new HttpError(404, 'not-found', `There is no webhook subscription "${id}".`);
      return jsonResponse({ removed: true });
    }
    if (resource === 'deliveries' && parts.length === 1) {
      if (request.method !== 'GET') throw notAllowed(request, 'GET');
      const status = choice(url, 'status', ['pending', 'delivered', 'all'] as const, 'all');
      return jsonResponse({ deliveries: await listEffects(await deps.db(), { name: WEBHOOK_EFFECT, status, limit: limit(url) }) });
    }
    if (resource === 'dead-letters' && parts.length === 1) {
      if (request.method !== 'GET') throw notAllowed(request, 'GET');
      const status = choice(url, 'status', ['dead', 'replayed', 'all'] as const, 'dead');
      return jsonResponse({ deadLetters: await listEffectDeadLetters(await deps.db(), { name: WEBHOOK_EFFECT, status, limit: limit(url) }) });
    }
    if (resource === 'dead-letters' && parts.length === 3 && id !== undefined && action === 'replay') {
      if (request.method !== 'POST') throw notAllowed(request, 'POST');
      return replay(id);
    }
    throw new HttpError(404, 'not-found', `No webhook admin endpoint at ${url.pathname}.`);
  }

  async function replay(id: string): Promise<Response> {
    const db = await deps.db();
    const letter = await readEffectDeadLetter(db, id);
    if (letter === undefined || letter.name !== WEBHOOK_EFFECT) throw new HttpError(404, 'not-found', `There is no webhook dead letter "${id}".`);
    if (letter.status !== 'dead') throw new HttpError(409, 'already-replayed', `Webhook dead letter "${id}" was already replayed; its delivery is in /deliveries.`);
    await replayEffectDeadLetter(db, id, deps.now(), WEBHOOK_EFFECT);
    deps.wake();
    return jsonResponse({ replayed: id });
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (cause) {
    throw new HttpError(400, 'invalid-request', 'The path has a malformed %-escape.', { cause });
  }
}

function authorize(request: Request, expected: Buffer): void {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
  // Digests of equal length, so the comparison takes the same time whatever was sent.
  if (match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected)) return;
  throw new HttpError(401, 'unauthenticated', 'The webhook admin API needs "Authorization: Bearer <webhooks.admin.token>".', { headers: { 'www-authenticate': 'Bearer' } });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function subscriptionInput(body: unknown): WebhookSubscriptionInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'invalid-request', 'The body must be a JSON object { url, events?, collections?, operations?, secret? }.');
  const { url, events, collections, operations, secret, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new HttpError(400, 'invalid-request', `Unknown subscription field(s): ${unknown.join(', ')}.`);
  if (typeof url !== 'string') throw new HttpError(400, 'invalid-request', 'A subscription needs "url" (a string).');
  if (secret !== undefined && typeof secret !== 'string') throw new HttpError(400, 'invalid-request', '"secret" must be a string "whsec_<base64>".');
  // The list shapes are checked by addSubscription; an InvalidArgumentError there becomes a 400.
  return { url, ...(events === undefined ? {} : { events: events as string[] }), ...(collections === undefined ? {} : { collections: collections as string[] }), ...(operations === undefined ? {} : { operations: operations as WebhookSubscriptionInput['operations'] & object }), ...(secret === undefined ? {} : { secret }) };
}

function withoutSecrets(sub: WebhookSubscription): Omit<WebhookSubscription, 'secrets'> & { secretCount: number } {
  const { secrets, ...rest } = sub;
  return { ...rest, secretCount: secrets.length };
}

function choice<T extends string>(url: URL, name: string, allowed: readonly T[], fallback: T): T {
  const value = url.searchParams.get(name);
  if (value === null) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new HttpError(400, 'invalid-request', `?${name} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}.`);
}

function limit(url: URL): number {
  const value = url.searchParams.get('limit');
  if (value === null) return 100;
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_LIMIT) throw new HttpError(400, 'invalid-request', `?limit must be a whole number from 1 to ${MAX_LIMIT}; got ${JSON.stringify(value)}.`);
  return Number(value);
}

function notAllowed(request: Request, allow: string): HttpError {
  return new HttpError(405, 'method-not-allowed', `${request.method} is not allowed here; use ${allow}.`, { headers: { allow } });
}

function toResponse(error: unknown): Response {
  if (error instanceof HttpError) return errorResponse(error);
  if (isSynclineError(error) && error.code === 'invalid-argument') return errorResponse(new HttpError(400, 'invalid-request', error.message));
  throw error;
}
