/**
 * Cheap structural checks for hand-written validators on hot paths (the server's push body, the
 * client's outbox entries). Each mirrors what the zod schemas of this folder accept *unchanged*:
 * a validator built on them may only accept input that zod would return as it is, and must leave
 * anything else to zod for the verdict and the message.
 */
import type { JsonObject } from './json.js';

export type Obj = Record<string, unknown>;

export function isInt(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

/** Every own enumerable key of `o` is one of `allowed` (and none is inherited). */
export function hasOnlyKeys(o: Obj, allowed: ReadonlySet<string>): boolean {
  for (const key in o) {
    if (!Object.hasOwn(o, key) || !allowed.has(key)) return false;
  }
  return true;
}

export function isPlainObject(value: unknown): value is Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  // What JSON.parse makes; a null-prototype object zod would copy into an ordinary one.
  return Object.getPrototypeOf(value) === Object.prototype;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return isPlainObject(value) && isJson(value);
}

/**
 * A JSON value zod's `jsonValue` returns unchanged: finite numbers, strings, booleans, null, dense
 * arrays and plain (Object-prototype) objects of them. `__proto__` as an own key is left to zod (its copy would turn it
 * into a prototype), as is anything exotic. Iterative, so no input overflows the stack.
 */
export function isJson(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return false;
      continue;
    }
    if (Array.isArray(v)) {
      // A hole reads as undefined, which is refused below.
      for (let i = 0; i < v.length; i += 1) stack.push(v[i]);
      continue;
    }
    if (!isPlainObject(v) || Object.getOwnPropertySymbols(v).length > 0) return false;
    for (const key in v) {
      if (!Object.hasOwn(v, key) || key === '__proto__') return false;
      stack.push(v[key]);
    }
  }
  return true;
}
