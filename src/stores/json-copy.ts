/**
 * Deep copies of JSON values for the memory and IndexedDB stores, several times faster than
 * structuredClone. Copying in must store exactly what a persistent store would after JSON text
 * (undefined properties dropped, NaN as null, a Date as its string): plain JSON is copied by the
 * wire's walker (copyJson), and anything it refuses makes the whole value take the JSON-text path.
 * (copyJson also takes null-prototype and other-realm objects, and an object whose `toJSON` is a
 * function is refused for that function: both come out of the text path the same.)
 */
import { InvalidArgumentError } from '../core/errors.js';
import { copyJson, NotJsonError, type JsonValue } from '../protocol/json.js';

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

/** A copy of a stored value (always one copyJsonIn made, so plain JSON) that a caller may edit freely. */
export function copyJsonOut(value: JsonValue): JsonValue {
  return copyJson(value);
}
