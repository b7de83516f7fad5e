/** Reduce what the server sees (paths, push responses, errors) to the metrics' small label sets. */
import { reportInResult } from '../../core/conflict-outcome.js';
import type { PushResponse } from '../../protocol/wire.js';
import { HttpError } from '../http-errors.js';
import { isTransientDatabaseError } from '../server-init.js';
import type { MetricsRecorder, RouteLabel } from './types.js';

const ROUTES: Readonly<Record<string, RouteLabel>> = {
  '/v1/push': 'push',
  '/v1/pull': 'pull',
  '/v1/events': 'events',
  '/v1/conflicts': 'conflicts',
  '/v1/health': 'health',
  '/v1/health/ready': 'ready',
  '/metrics': 'metrics',
};

/** The route label of a request path; unknown paths share `other` so a scanner cannot add series. */
export function routeLabel(pathname: string, basePath: string): RouteLabel {
  if (!pathname.startsWith(basePath)) return 'other';
  return ROUTES[pathname.slice(basePath.length)] ?? 'other';
}

/** Count a push response's outcomes and the conflicts it resolved (duplicates were counted when first settled). */
export function recordPush(recorder: MetricsRecorder, response: PushResponse): void {
  let applied = 0;
  let rejected = 0;
  let duplicate = 0;
  for (const outcome of response.outcomes) {
    if (outcome.duplicate === true) {
      duplicate += 1;
      continue;
    }
    if (outcome.status === 'applied') applied += 1;
    else rejected += 1;
    const conflict = outcome.status === 'rejected' ? outcome.conflict : reportInResult(outcome.result);
    if (conflict !== undefined) recorder.conflict(conflict.strategy, conflict.resolution);
  }
  if (applied > 0) recorder.mutations('applied', applied);
  if (rejected > 0) recorder.mutations('rejected', rejected);
  if (duplicate > 0) recorder.mutations('duplicate', duplicate);
}

/**
 * Whether a request failed in the database: a driver error (SQLite `SQLITE_*`, a PostgreSQL SQLSTATE)
 * or a lost connection, anywhere in the cause chain. Refusals of bad input (4xx) never count.
 */
export function isDatabaseFailure(error: unknown): boolean {
  if (error instanceof HttpError && error.status < 500) return false;
  return hasDriverError(error, 0);
}

function hasDriverError(error: unknown, depth: number): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  if (isTransientDatabaseError(error)) return true;
  const { code, severity, cause } = error as { code?: unknown; severity?: unknown; cause?: unknown };
  if (typeof code === 'string' && /^SQLITE_/.test(code)) return true;
  // pg's DatabaseError: a five-character SQLSTATE together with a severity.
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string') return true;
  return hasDriverError(cause, depth + 1);
}
