/**
 * The glue between the sync server and its metrics: what sync-server.ts calls at the route level,
 * the `ServerObserver` it threads into the push path, and the `GET /metrics` handler. Without
 * metrics every hook is a no-op and no /metrics route exists.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { PushResponse } from '../../protocol/wire.js';
import type { DeadLetterReplay } from '../dead-letters/types.js';
import type { ScopeChange } from '../fanout.js';
import { HttpError } from '../http-errors.js';
import { isDatabaseFailure, recordPush, routeLabel } from './classify.js';
import { NO_OBSERVER, type ServerObserver } from './observer.js';
import type { DatabaseOperation, MetricsSource, ServerMetrics } from './types.js';

export interface Instrumentation {
  /** Handed to the push path for events only it sees (dead letters). */
  readonly observer: ServerObserver;
  /** Call when a request arrives; call the returned function with its response. */
  started(request: Request): (response: Response) => void;
  pushed(response: PushResponse): void;
  scopeChanged(change: ScopeChange): void;
  /** A route failed; counted when the failure came from the database. Rethrows. */
  routeFailed(error: unknown): never;
  /** An attempt to open/migrate the database (or start the fan-out) failed. Rethrows. */
  initFailed(error: unknown): never;
  databaseError(operation: DatabaseOperation): void;
  replayed(result: DeadLetterReplay): void;
  /** Effect worker outcomes (src/server/effects/worker.ts). */
  readonly effects: { delivered(): void; failed(): void; deadLettered(): void };
  /** `GET /metrics`, when the metrics have a token. */
  readonly handler: ((request: Request) => Promise<Response>) | undefined;
}

/** Routes whose latency is worth a histogram; an event stream's duration is its connection's life. */
const TIMED = new Set(['push', 'pull']);

export function instrumentServer(metrics: ServerMetrics | undefined, source: MetricsSource, basePath: string): Instrumentation {
  const recorder = metrics?.attach(source);
  if (metrics === undefined || recorder === undefined) return UNINSTRUMENTED;
  return {
    observer: { deadLettered: () => recorder.deadLettered() },
    started(request) {
      const began = performance.now();
      const route = routeLabel(new URL(request.url).pathname, basePath);
      return (response) => recorder.request(route, response.status, TIMED.has(route) ? (performance.now() - began) / 1000 : undefined);
    },
    pushed: (response) => recordPush(recorder, response),
    scopeChanged: (change) => recorder.scopeVersion(change.scope, change.version),
    routeFailed(error) {
      if (isDatabaseFailure(error)) recorder.databaseError('request');
      throw error;
    },
    initFailed(error) {
      recorder.databaseError('init');
      throw error;
    },
    databaseError: (operation) => recorder.databaseError(operation),
    replayed: (result) => recorder.deadLetterReplayed(result.status),
    effects: { delivered: () => recorder.effect?.('delivered'), failed: () => recorder.effect?.('failed'), deadLettered: () => recorder.effect?.('dead-lettered') },
    handler: metrics.token === undefined ? undefined : metricsHandler(metrics, metrics.token),
  };
}

const UNINSTRUMENTED: Instrumentation = {
  observer: NO_OBSERVER,
  started: () => () => {},
  pushed: () => {},
  scopeChanged: () => {},
  routeFailed(error) {
    throw error;
  },
  initFailed(error) {
    throw error;
  },
  databaseError: () => {},
  replayed: () => {},
  effects: { delivered: () => {}, failed: () => {}, deadLettered: () => {} },
  handler: undefined,
};

function metricsHandler(metrics: ServerMetrics, token: string): (request: Request) => Promise<Response> {
  const expected = digest(token);
  return async (request) => {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '')?.[1];
    // Compare digests in constant time, so response timing does not reveal how much of a guess matched.
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      throw new HttpError(401, 'unauthenticated', 'GET /metrics needs the metrics token: send "Authorization: Bearer <metrics token>" (not a sync token).', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    const { contentType, body } = await metrics.scrape();
    return new Response(body, { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

