/** JSON values: everything that crosses the wire or the disk is one of these. */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality for JSON values (key order does not matter). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}

/**
 * Whether `value` nests arrays/objects more than `maxDepth` levels deep. Iterative, so it cannot
 * overflow the stack on the very input it exists to refuse (recursive validators and hashers would).
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (typeof item.value !== 'object' || item.value === null) continue;
    const depth = item.depth + 1;
    if (depth > maxDepth) return true;
    for (const child of Object.values(item.value)) stack.push({ value: child, depth });
  }
  return false;
}

/** Where a value stops being JSON: the path to the first offending part, what is there, and why. */
export class NotJsonError extends Error {
  readonly path: Array<string | number> = [];
  readonly found: unknown;

  constructor(found: unknown, reason: string) {
    super(reason);
    this.found = found;
  }
}

/**
 * A copy of `value` made of fresh arrays and plain objects, or a NotJsonError naming the first part
 * that is not JSON (undefined, a function, NaN or ±Infinity, a Date or class instance, a hole in an
 * array). The wire schemas validate JSON with this instead of a recursive union of schemas: one walk
 * instead of trying each alternative at every level, and the error points at the offending field.
 * Copying keeps what a caller hands over (a record value, mutation args) safe from its later edits.
 */
export function copyJson(value: unknown): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      throw new NotJsonError(value, 'numbers must be finite');
    case 'object':
      if (value === null) return null;
      if (Array.isArray(value)) return copyArray(value);
      if (isPlainObject(value)) return copyObject(value);
  }
  throw new NotJsonError(value, 'expected a JSON value (string, finite number, boolean, null, array or plain object)');
}

/** Like copyJson, for a value that must be a plain object at the top. */
export function copyJsonObject(value: unknown): JsonObject {
  if (!isPlainObject(value)) throw new NotJsonError(value, 'expected a plain object');
  return copyObject(value);
}

/**
 * An object literal or JSON.parse result, from any realm (its prototype is null or some realm's
 * Object.prototype); not an array, a Date, a Map or a class instance.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || Object.hasOwn(prototype as object, 'isPrototypeOf');
}

function copyArray(items: readonly unknown[]): JsonValue[] {
  const out: JsonValue[] = new Array<JsonValue>(items.length);
  for (let i = 0; i < items.length; i += 1) out[i] = copyAt(i, items[i]);
  return out;
}

function copyObject(fields: Record<string, unknown>): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(fields)) {
    const copy = copyAt(key, fields[key]);
    // An own "__proto__" (JSON.parse makes one) must stay a field, not become the copy's prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
    else out[key] = copy;
  }
  return out;
}

function copyAt(key: string | number, value: unknown): JsonValue {
  try {
    return copyJson(value);
  } catch (error) {
    if (error instanceof NotJsonError) error.path.unshift(key);
    throw error;
  }
}
