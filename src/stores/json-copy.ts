/**
 * Deep copies of JSON values for the memory and IndexedDB stores, several times faster than
 * structuredClone. Copying in must store exactly what a persistent store would after JSON text
 * (undefined properties dropped, NaN as null, a Date as its string): plain JSON is copied by the
 * wire's walker (copyJson), and anything it refuses makes the whole value take the JSON-text path.
 * (copyJson also takes null-prototype and other-realm objects, and an object whose `toJSON` is a
 * function is refused for that function: both come out of the text path the same.)
 */
import { InvalidArgumentError } from '../core/errors.js';
import { copyJson, NotJsonError, type JsonObject, type JsonValue } from '../protocol/json.js';

export function copyJsonIn(value: JsonValue, where: string): JsonValue {
  try {
    return copyJson(value);
  } catch (error) {
    if (!(error instanceof NotJsonError)) throw error;
    return copyThroughText(value, where);
  }
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
