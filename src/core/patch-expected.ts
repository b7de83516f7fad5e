/**
 * What a patch is based on. By default, the values this database shows when the patch is queued —
 * right for a patch that does not depend on what it overwrites. A read-modify-write passes what the
 * app read instead (`expected`), so a change made between the read and the write — by another tab or
 * process on this database, a pull, or another device — is a conflict the server resolves by the
 * collection's policy instead of a silently lost update.
 */
import { StaleReadError, InvalidArgumentError } from './errors.js';
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from '../protocol/json.js';
import { describeIssues, jsonObject } from '../protocol/wire.js';

export interface PatchOptions<T extends JsonObject = JsonObject> {
  /**
   * What the caller read before computing `fields`: for each field it sets, the value it saw there
   * (`null` or `undefined`: the field or the record was absent). It must list every field the patch
   * sets, and no other — e.g. `patch(k, { stock: seen.stock - 1 }, { expected: { stock: seen.stock } })`.
   */
  expected?: { [K in keyof T]?: T[K] | null | undefined };
  /**
   * When this database already shows another value than `expected` in a field (another tab, process
   * or pull changed it since the read, so the conflict is certain):
   *  - `'send'` (default): queue the patch anyway; the server resolves the conflict by the
   *    collection's policy — exactly as if another device had made the change (`server-wins`
   *    rejects it, a `delta` merge counts both, …). Until the outcome arrives the local view shows
   *    the patch on top of the newer value.
   *  - `'throw'`: queue nothing and throw `StaleReadError`: read again and recompute.
   */
  ifChanged?: 'send' | 'throw';
}

export interface CallerRead {
  expected: JsonObject;
  ifChanged: 'send' | 'throw';
}

const OPTION_KEYS = new Set(['expected', 'ifChanged']);

/** Validate the options before any transaction starts; undefined = base the patch on the local view. */
export function checkExpected(fields: JsonObject, options: PatchOptions<JsonObject>): CallerRead | undefined {
  if (!isJsonObject(options as JsonValue)) throw new InvalidArgumentError('patch() options must be an object such as { expected: { field: valueRead } }.');
  for (const name of Object.keys(options)) {
    if (!OPTION_KEYS.has(name)) throw new InvalidArgumentError(`patch() has no option "${name}"; it takes { expected, ifChanged }.`);
  }
  const { expected: raw, ifChanged } = options;
  if (ifChanged !== undefined && ifChanged !== 'send' && ifChanged !== 'throw') {
    throw new InvalidArgumentError(`patch() option ifChanged must be 'send' or 'throw', got ${JSON.stringify(ifChanged)}.`);
  }
  if (raw === undefined) {
    if (ifChanged !== undefined) throw new InvalidArgumentError('patch() option ifChanged needs `expected`: the values the caller read.');
    return undefined;
  }
  if (!isJsonObject(raw as JsonValue)) {
    throw new InvalidArgumentError('patch() option expected must be an object: for each field the patch sets, the value read there (null if absent).');
  }
  // undefined means "absent" (e.g. `expected: { stock: product?.stock }` with no product): null on the wire.
  const withNulls = Object.fromEntries(Object.entries(raw).map(([field, value]) => [field, value ?? null]));
  const parsed = jsonObject.safeParse(withNulls);
  if (!parsed.success) throw new InvalidArgumentError(`patch() option expected must hold JSON values: ${describeIssues(parsed.error)}.`, { cause: parsed.error });
  const expected = parsed.data;
  const missing = Object.keys(fields).filter((f) => !Object.hasOwn(expected, f));
  if (missing.length > 0) {
    throw new InvalidArgumentError(
      `patch() option expected has no value for ${list(missing)}: give, for every field the patch sets, the value the caller read there (null if it was absent).`,
    );
  }
  const extra = Object.keys(expected).filter((f) => !Object.hasOwn(fields, f));
  if (extra.length > 0) {
    throw new InvalidArgumentError(`patch() option expected names ${list(extra)}, which the patch does not set; the server compares only the fields a patch sets.`);
  }
  return { expected, ifChanged: ifChanged ?? 'send' };
}

/**
 * Inside the write transaction: the `expected` and `baseVersion` the patch carries. A caller's read
 * that this database already contradicts cannot name the version it saw, so it carries baseVersion
 * null: the server then never treats it as having seen the current record (last-writer-wins' causal
 * shortcut), while conflict detection — per field, against `expected` — is unaffected.
 */
export function patchBase(
  collection: string,
  key: string,
  fields: JsonObject,
  read: CallerRead | undefined,
  view: { baseVersion: number | null; current: JsonObject | undefined },
): { expected: JsonObject; baseVersion: number | null } {
  if (read === undefined) {
    const expected: JsonObject = {};
    for (const field of Object.keys(fields)) expected[field] = fieldOf(view.current, field);
    return { expected, baseVersion: view.baseVersion };
  }
  const changed = Object.keys(fields).filter((f) => !jsonEqual(read.expected[f] ?? null, fieldOf(view.current, f)));
  if (changed.length === 0) return { expected: read.expected, baseVersion: view.baseVersion };
  if (read.ifChanged === 'throw') {
    const current = Object.fromEntries(changed.map((f) => [f, fieldOf(view.current, f)]));
    throw new StaleReadError(
      `${collection}/${key} changed since it was read: ${changed.map((f) => `"${f}" was ${JSON.stringify(read.expected[f] ?? null)}, is now ${JSON.stringify(current[f])}`).join('; ')}. Nothing was queued; read the record again and recompute the patch.`,
      { details: { collection, key, fields: changed, expected: read.expected, current } },
    );
  }
  return { expected: read.expected, baseVersion: null };
}

/** A field's value, null when absent; own properties only ("constructor" is not Object's). */
function fieldOf(record: JsonObject | undefined, field: string): JsonValue {
  return record !== undefined && Object.hasOwn(record, field) ? (record[field] ?? null) : null;
}

function list(fields: string[]): string {
  return fields.map((f) => JSON.stringify(f)).join(', ');
}
