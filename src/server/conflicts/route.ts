/** GET /v1/conflicts?limit&after: the caller's scope's audit trail, oldest first, paged by `seq`. */
import type { Kysely } from 'kysely';
import { PROTOCOL_VERSION, type ConflictsResponse } from '../../protocol/wire.js';
import { invalidRequest } from '../http-errors.js';
import type { ServerDatabase } from '../schema.js';
import { listConflicts } from './audit-storage.js';

export const MAX_CONFLICTS_LIMIT = 1000;
const DEFAULT_LIMIT = 100;

export async function handleConflictsQuery(db: Kysely<ServerDatabase>, scope: string, url: URL): Promise<ConflictsResponse> {
  const limit = intParam(url, 'limit', DEFAULT_LIMIT, 1, MAX_CONFLICTS_LIMIT);
  const after = intParam(url, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
  const page = await listConflicts(db, scope, after, limit);
  return { v: PROTOCOL_VERSION, ...page };
}

function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw invalidRequest(`${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}.`);
  }
  return n;
}
