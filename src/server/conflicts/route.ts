/** GET /v1/conflicts?limit&after: the caller's scope's audit trail, oldest first, paged by `seq`. */
import type { Kysely } from 'kysely';
import { PROTOCOL_VERSION, type ConflictsResponse } from '../../protocol/wire.js';
import { invalidRequest } from '../http-errors.js';
import type { ServerDatabase } from '../schema.js';
import { listConflicts } from './audit-storage.js';
import type { PullView } from '../rules-pull.js';
import type { JsonObject } from '../../protocol/json.js';

export const MAX_CONFLICTS_LIMIT = 1000;
const DEFAULT_LIMIT = 100;

export async function handleConflictsQuery(db: Kysely<ServerDatabase>, scope: string, url: URL, view?: PullView): Promise<ConflictsResponse> {
  const limit = intParam(url, 'limit', DEFAULT_LIMIT, 1, MAX_CONFLICTS_LIMIT);
  const after = intParam(url, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
  const page = await listConflicts(db, scope, after, limit);
  return { v: PROTOCOL_VERSION, ...page, conflicts: view === undefined ? page.conflicts : page.conflicts.map((entry) => redacted(entry, view)) };
}

type Entry = ConflictsResponse['conflicts'][number];

/**
 * An entry of a read-ruled collection shows its values only when the caller may read every one of
 * them; otherwise they are nulled (the entry stays, so paging by `seq` is not disturbed).
 */
function redacted(entry: Entry, view: PullView): Entry {
  if (!view.rules.readRuled(entry.collection)) return entry;
  const values = [entry.serverValue, entry.value, entry.clientValue].filter((v): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v));
  if (values.every((v) => view.checks.canRead(entry.collection, entry.key, v))) return entry;
  const { expected: _expected, ...rest } = entry;
  return { ...rest, serverValue: null, value: null, clientValue: null };
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
