/**
 * The door checks for one imported record: the shape (`{ collection?, key, value }`, nothing else),
 * the protocol's key and collection rules, and the JSON guard every pushed value passes
 * (src/protocol/json-guard.ts) — an imported record must be one a client could have written and can
 * pull, store and hash back.
 */
import { findJsonProblem, MAX_OBJECT_KEYS } from '../protocol/json-guard.js';
import { COLLECTION_NAME as COLLECTION, LIMITS } from '../protocol/wire.js';
import type { JsonObject } from '../protocol/json.js';

export interface ValidRecord {
  collection: string;
  key: string;
  value: JsonObject;
}

const GUARD = { maxDepth: LIMITS.maxJsonDepth, maxKeys: MAX_OBJECT_KEYS };
const ALLOWED = new Set(['collection', 'key', 'value']);

/** The record, or a sentence saying what is wrong with it. */
export function checkImportRecord(input: unknown, defaultCollection: string | undefined, parsedFromJson = false): ValidRecord | string {
  if (!isPlainObject(input)) return 'expected an object { "collection"?, "key", "value" }.';
  for (const field of Object.keys(input)) {
    if (!ALLOWED.has(field)) return `unknown field "${field.slice(0, 40)}"; a record has "collection" (optional), "key" and "value".`;
  }
  const collection = input.collection ?? defaultCollection;
  if (collection === undefined) return 'no "collection": give one per record or a default collection (--collection).';
  if (typeof collection !== 'string' || !COLLECTION.test(collection)) {
    return `"collection" must be 1-64 letters, digits, "_", "." or "-", starting with a letter; got ${shown(collection)}.`;
  }
  const { key, value } = input;
  if (typeof key !== 'string') return `"key" must be a string; got ${shown(key)}.`;
  if (key.length === 0 || codePoints(key) > LIMITS.maxKeyLength) return `"key" must have 1-${LIMITS.maxKeyLength} characters.`;
  const keyProblem = findJsonProblem(key, GUARD);
  if (keyProblem !== undefined) return `"key": ${keyProblem.message}`;
  if (!isPlainObject(value)) return `"value" must be a JSON object; got ${shown(value)}.`;
  const valueProblem = findJsonProblem(value, GUARD);
  if (valueProblem !== undefined) return `"value": ${valueProblem.message}`;
  // JSON.parse output is JSON by construction; objects handed to importRecords may hold anything.
  const notJson = parsedFromJson ? undefined : findNonJson(value);
  if (notJson !== undefined) return `"value${notJson}" is not JSON (use strings, finite numbers, booleans, null, arrays and plain objects).`;
  return { collection, key, value: value as JsonObject };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || prototype === Object.prototype;
}

/** Path of the first non-JSON leaf (undefined, a function, NaN, a Date...), iteratively (depth is already bounded). */
function findNonJson(root: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[root, '']];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [value, path] = item;
    if (value === null || typeof value === 'string' || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (Number.isFinite(value)) continue;
      return path;
    }
    if (Array.isArray(value)) {
      value.forEach((child, i) => stack.push([child, `${path}.${i}`]));
      continue;
    }
    if (!isPlainObject(value)) return path;
    for (const [k, child] of Object.entries(value)) stack.push([child, `${path}.${k}`]);
  }
  return undefined;
}

function codePoints(text: string): number {
  return text.length > LIMITS.maxKeyLength ? [...text].length : text.length;
}

function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
