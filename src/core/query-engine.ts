/**
 * Answers a query on the optimistic view. The confirmed side comes from a key range of a declared
 * index (or of the records table, for key-ordered queries without conditions); the pending overlay
 * (small: only records with unsettled writes) is merged in here. Fetching `limit + overlaid + 1`
 * confirmed entries is enough: at most `overlaid` of them are replaced by their overlay row, so the
 * merged page and whether a next page exists are exact. A query no index covers scans the view.
 */
import type { JsonObject } from '../protocol/json.js';
import type { ScanOptions, StoreReader } from '../stores/store.js';
import { collectionPrefix, listView, parseOverlayRow, parseStoredRecord, recordKey, splitRecordKey, T } from './query-deps.js';
import { SEP } from './query-encoding.js';
import { INDEX_TABLE, indexPrefix, type IndexFields } from './query-index.js';
import { encodeCursor, keyOfPosition, matches, position, type NormalQuery, type QueryPage } from './query-types.js';

/** A key range of an index (or the records table) holding exactly the query's confirmed answer. */
export interface IndexPlan {
  table: string;
  /** Entry keys are `base + position` (see query-types `position`). */
  base: string;
  range: ScanOptions;
}

/**
 * The plan for a query over one of `indexes`, or undefined when none covers it. An index covers a
 * query when its fields are exactly the equality fields (in any order) followed by the sort field,
 * and no other field is constrained otherwise than through that sort field.
 */
export function planQuery(collection: string, q: NormalQuery, indexes: readonly IndexFields[]): IndexPlan | undefined {
  const points = q.conditions.filter((c) => c.point !== undefined);
  const others = q.conditions.filter((c) => c.point === undefined);
  if (others.length > 1 || (others.length === 1 && others[0]?.field !== q.sort)) return undefined;
  if (q.conditions.length === 0 && q.sort === undefined) return { table: T.records, base: collectionPrefix(collection), range: { prefix: collectionPrefix(collection) } };
  const width = points.length + (q.sort === undefined ? 0 : 1);
  for (const fields of indexes) {
    if (fields.length !== width) continue;
    if (q.sort !== undefined && fields[width - 1] !== q.sort) continue;
    let base = indexPrefix(collection, fields);
    let ok = true;
    for (const f of fields.slice(0, points.length)) {
      const c = points.find((p) => p.field === f);
      if (c?.point === undefined) {
        ok = false;
        break;
      }
      base += c.point + SEP;
    }
    if (!ok) continue;
    const range = others[0];
    if (range === undefined) return { table: INDEX_TABLE, base, range: { prefix: base } };
    return { table: INDEX_TABLE, base, range: { prefix: base + (range.prefix ?? ''), start: base + range.lo, end: base + range.hi } };
  }
  return undefined;
}

interface Candidate {
  pos: string;
  key: string;
  value: JsonObject;
}

function byPosition(desc: boolean): (a: Candidate, b: Candidate) => number {
  return (a, b) => (a.pos === b.pos ? 0 : (a.pos < b.pos) !== desc ? -1 : 1);
}

/** The first `limit` candidates and the cursor after them when more follow. */
function page(q: NormalQuery, sorted: Candidate[]): QueryPage<JsonObject> {
  const take = q.limit === undefined ? sorted : sorted.slice(0, q.limit);
  const last = take[take.length - 1];
  return {
    records: take.map(({ key, value }) => ({ key, value })),
    next: q.limit !== undefined && sorted.length > q.limit && last !== undefined ? encodeCursor(last.pos) : undefined,
  };
}

function afterCursor(q: NormalQuery, pos: string): boolean {
  return q.after === undefined || (q.desc ? pos < q.after : pos > q.after);
}

export async function runIndexed(tx: StoreReader, collection: string, q: NormalQuery, plan: IndexPlan): Promise<QueryPage<JsonObject>> {
  const overlaid = new Map<string, JsonObject | null>();
  for (const [rk, raw] of await tx.scan(T.overlay, { prefix: collectionPrefix(collection) })) {
    overlaid.set(splitRecordKey(rk).key, parseOverlayRow(raw, `overlay/${rk}`)?.value ?? null);
  }
  const range: ScanOptions = { ...plan.range, reverse: q.desc };
  if (q.after !== undefined) {
    const at = plan.base + q.after;
    if (q.desc) range.end = range.end === undefined || at < range.end ? at : range.end;
    else range.start = range.start === undefined || at + SEP > range.start ? at + SEP : range.start;
  }
  if (q.limit !== undefined) range.limit = q.limit + overlaid.size + 1;
  const candidates: Candidate[] = [];
  for (const [entry, raw] of await tx.scan(plan.table, range)) {
    const pos = entry.slice(plan.base.length);
    const key = keyOfPosition(q, pos);
    if (overlaid.has(key)) continue;
    const stored = parseStoredRecord(plan.table === T.records ? raw : await tx.get(T.records, recordKey(collection, key)), `records/${collection}/${key}`);
    if (stored !== undefined) candidates.push({ pos, key, value: stored.value });
  }
  for (const [key, value] of overlaid) {
    if (value === null || !matches(value, q.conditions)) continue;
    const pos = position(q, key, value);
    if (pos !== undefined && afterCursor(q, pos)) candidates.push({ pos, key, value });
  }
  return page(q, candidates.sort(byPosition(q.desc)));
}

/** The same answer by filtering the whole view: for queries no declared index covers. */
export async function runScan(tx: StoreReader, collection: string, q: NormalQuery): Promise<QueryPage<JsonObject>> {
  const candidates: Candidate[] = [];
  for (const { key, value } of await listView(tx, collection)) {
    if (!matches(value, q.conditions)) continue;
    const pos = position(q, key, value);
    if (pos !== undefined && afterCursor(q, pos)) candidates.push({ pos, key, value });
  }
  return page(q, candidates.sort(byPosition(q.desc)));
}
