/**
 * Deep copies of JSON values for the memory store, several times faster than structuredClone.
 * Copying in must store exactly what a persistent store would after JSON text (undefined properties
 * dropped, NaN as null, a Date as its string): plain values are walked directly, and anything
 * unusual makes the whole value take the JSON-text path.
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { JsonObject, JsonValue } from '../protocol/json.js';

export function copyJsonIn(value: JsonValue, where: string): JsonValue {
  const copy = copyPlain(value);
  return copy === UNUSUAL ? copyThroughText(value, where) : copy;
}

const UNUSUAL: unique symbol = Symbol('unusual');

function copyPlain(value: unknown): JsonValue | typeof UNUSUAL {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : UNUSUAL;
    case 'object':
      if (value === null) return null;
      if (Array.isArray(value)) return copyPlainArray(value);
      return Object.getPrototypeOf(value) === Object.prototype ? copyPlainObject(value as Record<string, unknown>) : UNUSUAL;
    default:
      return UNUSUAL;
  }
}

function copyPlainArray(value: unknown[]): JsonValue[] | typeof UNUSUAL {
  const out = new Array<JsonValue>(value.length);
  for (let i = 0; i < value.length; i++) {
    const item = copyPlain(value[i]);
    if (item === UNUSUAL) return UNUSUAL;
    out[i] = item;
  }
  return out;
}

function copyPlainObject(value: Record<string, unknown>): JsonObject | typeof UNUSUAL {
  if ('toJSON' in value) return UNUSUAL;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    const item = copyPlain(value[key]);
    if (item === UNUSUAL) return UNUSUAL;
    setOwn(out, key, item);
  }
  return out;
}

function copyThroughText(value: JsonValue, where: string): JsonValue {
  let text: string | undefined;
  try {
    text = JSON.stringify(value) as string | undefined;
  } catch (error) {
    throw new InvalidArgumentError(`The value for ${where} is not a JSON value.`, { cause: error });
  }
  if (text === undefined) {
    throw new InvalidArgumentError(`Cannot store ${typeof value} at ${where}; store a JSON value or delete the key.`);
  }
  return JSON.parse(text) as JsonValue;
}

export function copyJsonOut(value: JsonValue): JsonValue {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<JsonValue>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyJsonOut(value[i] as JsonValue);
    return out;
  }
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    setOwn(out, key, copyJsonOut(value[key] as JsonValue));
  }
  return out;
}

function setOwn(target: JsonObject, key: string, item: JsonValue): void {
  // A plain assignment to "__proto__" would replace the prototype instead of adding the key.
  if (key === '__proto__') Object.defineProperty(target, key, { value: item, enumerable: true, writable: true, configurable: true });
  else target[key] = item;
}
