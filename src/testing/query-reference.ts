/**
 * The meaning of a local query, written as plainly as possible over a whole view (an array of
 * records, e.g. from `list()`), independently of the index encoding. The query conformance clauses
 * and the property test compare every store's answers with it.
 */
import type { JsonObject, JsonValue } from '../protocol/json.js';
import type { FieldCondition, FieldRange, Query, Scalar } from '../core/query-types.js';

type Row = { key: string; value: JsonObject };

function scalar(v: JsonValue | undefined): v is Scalar {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function rank(v: Scalar): number {
  if (v === null) return 0;
  if (typeof v === 'boolean') return 1;
  return typeof v === 'number' ? 2 : 3;
}

/** Total order on scalars: by type (null, boolean, number, string), then by value. */
export function compareScalars(a: Scalar, b: Scalar): number {
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (a === b) return 0;
  return (a as string | number | boolean) < (b as string | number | boolean) ? -1 : 1;
}

function isPlainEquality(c: FieldCondition): boolean {
  return scalar(c as JsonValue) || Object.keys(c as FieldRange).every((op) => op === 'eq');
}

function satisfies(v: JsonValue | undefined, c: FieldCondition): boolean {
  if (!scalar(v)) return false;
  if (scalar(c as JsonValue)) return v === c;
  const r = c as FieldRange;
  const same = (b: Scalar) => rank(b) === rank(v);
  if (r.eq !== undefined && v !== r.eq) return false;
  if (r.gt !== undefined && !(same(r.gt) && compareScalars(v, r.gt) > 0)) return false;
  if (r.gte !== undefined && !(same(r.gte) && compareScalars(v, r.gte) >= 0)) return false;
  if (r.lt !== undefined && !(same(r.lt) && compareScalars(v, r.lt) < 0)) return false;
  if (r.lte !== undefined && !(same(r.lte) && compareScalars(v, r.lte) <= 0)) return false;
  if (r.prefix !== undefined && !(typeof v === 'string' && v.startsWith(r.prefix))) return false;
  return true;
}

/** The whole ordered answer of `query` (its `limit` and `after` ignored). */
export function referenceAnswer(view: readonly Row[], query: Query): Row[] {
  const where = Object.entries(query.where ?? {});
  const order = typeof query.orderBy === 'string' ? { field: query.orderBy } : query.orderBy;
  const ranged = where.filter(([, c]) => !isPlainEquality(c));
  let sort = order?.field ?? (ranged.length === 1 ? ranged[0]?.[0] : undefined);
  if (where.some(([f, c]) => f === sort && isPlainEquality(c))) sort = undefined;
  const desc = order?.direction === 'desc' ? -1 : 1;
  const rows = view.filter((r) => where.every(([f, c]) => satisfies(r.value[f], c)) && (sort === undefined || scalar(r.value[sort])));
  return rows.sort((a, b) => {
    const bySort = sort === undefined ? 0 : compareScalars(a.value[sort] as Scalar, b.value[sort] as Scalar);
    const byKey = a.key === b.key ? 0 : a.key < b.key ? -1 : 1;
    return desc * (bySort !== 0 ? bySort : byKey);
  });
}
