/**
 * The local query language and its normalised form. A query's answer is defined on the optimistic
 * view (what `get` returns), whatever index or scan computes it:
 *
 * - `where`: every named field must match. A bare scalar is equality; an object combines `eq`,
 *   `gt`/`gte`/`lt`/`lte` (the bound's type decides: a number bound only matches numbers) and
 *   `prefix` (strings). A record whose field is missing, an object or an array never matches.
 * - order: by `orderBy` (records without a scalar there are left out), else by the one non-equality
 *   field of `where` ascending when there is exactly one, else by key. Ties break by key.
 *   Scalars of different types order null < false < true < numbers < strings.
 * - `limit` and `after` page through the answer: `next` of a page is the `after` of the following one.
 */
import { InvalidArgumentError } from './query-deps.js';
import { encodeScalar, encodeStringPrefix, isScalar, SEP, tagEnd, typeTag, type Scalar } from './query-encoding.js';
import type { JsonValue } from '../protocol/json.js';

export type { Scalar } from './query-encoding.js';

export interface FieldRange {
  eq?: Scalar;
  gt?: Scalar;
  gte?: Scalar;
  lt?: Scalar;
  lte?: Scalar;
  /** Strings starting with this. */
  prefix?: string;
}

export type FieldCondition = Scalar | FieldRange;

export interface Query {
  where?: Record<string, FieldCondition>;
  orderBy?: string | { field: string; direction?: 'asc' | 'desc' };
  /** Page size (a positive integer); the whole answer when unset. */
  limit?: number;
  /** `next` of the previous page. */
  after?: string;
}

export interface QueryPage<T> {
  records: Array<{ key: string; value: T }>;
  /** Pass as `after` for the following page; undefined on the last page. */
  next: string | undefined;
}

/**
 * One field's condition as an interval over `encode(value) + SEP`: `lo <= s < hi` and, when set,
 * `s.startsWith(prefix)`. `point` is set for plain equality (the encoded value).
 */
export interface NormalCondition {
  field: string;
  lo: string;
  hi: string;
  prefix: string | undefined;
  point: string | undefined;
}

export interface NormalQuery {
  conditions: NormalCondition[];
  /** The field results are ordered by (undefined: by key). */
  sort: string | undefined;
  desc: boolean;
  limit: number | undefined;
  /** Position (see `position`) of the last record of the previous page. */
  after: string | undefined;
}

const OPS = new Set(['eq', 'gt', 'gte', 'lt', 'lte', 'prefix']);

export function normalizeQuery(query: Query): NormalQuery {
  if (typeof query !== 'object' || query === null) throw new InvalidArgumentError('query() takes an object: { where?, orderBy?, limit?, after? }.');
  const conditions = Object.entries(query.where ?? {}).map(([field, c]) => normalizeCondition(field, c));
  const order = typeof query.orderBy === 'string' ? { field: query.orderBy } : query.orderBy;
  if (order !== undefined && (typeof order.field !== 'string' || (order.direction !== undefined && order.direction !== 'asc' && order.direction !== 'desc'))) {
    throw new InvalidArgumentError(`orderBy must be a field name or { field, direction: 'asc' | 'desc' }; got ${JSON.stringify(query.orderBy)}.`);
  }
  const ranged = conditions.filter((c) => c.point === undefined);
  let sort = order?.field ?? (ranged.length === 1 ? ranged[0]?.field : undefined);
  // Ordering by a field every answer holds the same value of is ordering by key.
  if (conditions.some((c) => c.field === sort && c.point !== undefined)) sort = undefined;
  const { limit, after } = query;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new InvalidArgumentError(`query limit must be a positive integer; got ${String(limit)}.`);
  return { conditions, sort, desc: order?.direction === 'desc', limit, after: after === undefined ? undefined : decodeCursor(after) };
}

function normalizeCondition(field: string, c: FieldCondition): NormalCondition {
  if (isScalar(c)) return pointCondition(field, c);
  if (typeof c !== 'object' || Array.isArray(c)) throw new InvalidArgumentError(`where.${field} must be a scalar or { eq, gt, gte, lt, lte, prefix }; got ${JSON.stringify(c)}.`);
  for (const op of Object.keys(c)) if (!OPS.has(op)) throw new InvalidArgumentError(`where.${field}: unknown operator "${op}" (use eq, gt, gte, lt, lte or prefix).`);
  let lo = '';
  let hi = '\uffff';
  const narrow = (l: string, h: string): void => {
    if (l > lo) lo = l;
    if (h < hi) hi = h;
  };
  const bound = (op: keyof FieldRange): Scalar | undefined => {
    const v = c[op];
    if (v !== undefined && !isScalar(v)) throw new InvalidArgumentError(`where.${field}.${op} must be a string, number, boolean or null; got ${JSON.stringify(v)}.`);
    return v;
  };
  const eq = bound('eq');
  if (eq !== undefined) narrow(encodeScalar(eq) + SEP, encodeScalar(eq) + '\u0001');
  const gt = bound('gt');
  if (gt !== undefined) narrow(encodeScalar(gt) + '\u0001', tagEnd(typeTag(gt)));
  const gte = bound('gte');
  if (gte !== undefined) narrow(encodeScalar(gte), tagEnd(typeTag(gte)));
  const lt = bound('lt');
  if (lt !== undefined) narrow(typeTag(lt), encodeScalar(lt));
  const lte = bound('lte');
  if (lte !== undefined) narrow(typeTag(lte), encodeScalar(lte) + '\u0001');
  let prefix: string | undefined;
  if (c.prefix !== undefined) {
    if (typeof c.prefix !== 'string') throw new InvalidArgumentError(`where.${field}.prefix must be a string; got ${JSON.stringify(c.prefix)}.`);
    prefix = encodeStringPrefix(c.prefix);
  }
  const onlyEq = eq !== undefined && Object.keys(c).every((op) => op === 'eq');
  return { field, lo, hi, prefix, point: onlyEq ? encodeScalar(eq) : undefined };
}

function pointCondition(field: string, value: Scalar): NormalCondition {
  const enc = encodeScalar(value);
  return { field, lo: enc + SEP, hi: enc + '\u0001', prefix: undefined, point: enc };
}

/** Whether a record value satisfies every condition (the scan's and the overlay's test). */
export function matches(value: Record<string, JsonValue>, conditions: readonly NormalCondition[]): boolean {
  for (const c of conditions) {
    const v = value[c.field];
    if (!isScalar(v)) return false;
    const s = encodeScalar(v) + SEP;
    if (s < c.lo || s >= c.hi || (c.prefix !== undefined && !s.startsWith(c.prefix))) return false;
  }
  return true;
}

/**
 * A record's place in the answer's order: `encode(sort field) + SEP + key`, or the key; undefined
 * when the record has no scalar in the sort field. Compared as strings.
 */
export function position(q: NormalQuery, key: string, value: Record<string, JsonValue>): string | undefined {
  if (q.sort === undefined) return key;
  const v = value[q.sort];
  return isScalar(v) ? encodeScalar(v) + SEP + key : undefined;
}

export function keyOfPosition(q: NormalQuery, pos: string): string {
  return q.sort === undefined ? pos : pos.slice(pos.indexOf(SEP) + 1);
}

/** Cursors are opaque to apps; versioned so a later format can tell them apart. */
export function encodeCursor(pos: string): string {
  return JSON.stringify(['q1', pos]);
}

function decodeCursor(cursor: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(cursor);
  } catch (error) {
    throw new InvalidArgumentError('query after: not a cursor from a previous page (pass `next` as it came).', { cause: error });
  }
  if (!Array.isArray(parsed) || parsed[0] !== 'q1' || typeof parsed[1] !== 'string') {
    throw new InvalidArgumentError('query after: not a cursor from a previous page (pass `next` as it came).');
  }
  return parsed[1];
}
