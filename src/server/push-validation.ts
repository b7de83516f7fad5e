/**
 * Hand-written acceptance checks for the push body and the generic write args: the same rules as the
 * zod schemas of src/protocol (wire.ts, record-ops.ts), at a fraction of the cost. zod's classic
 * parser allocates per element and per JSON node (~30 µs of a 10 k-put push's ~120 µs of server CPU
 * per mutation, bench/write-path). A check here only ever *accepts*: it returns the input, typed,
 * when every rule holds, and undefined otherwise — the caller then runs the zod schema, which gives
 * the verdict and the error message. So it may be stricter than zod, never looser, and an accepted
 * input is exactly what zod would have returned (test/server/push-validation.property.test.ts).
 */
import { COLLECTION_NAME as COLLECTION, LIMITS, PROTOCOL_VERSION, type PushRequest } from '../protocol/wire.js';
import { INSTALL_ID } from '../protocol/wire-install.js';
import type { DeleteArgs, PatchArgs, PutArgs } from '../protocol/record-ops.js';
import { hasOnlyKeys, isInt, isJson, isJsonObject, isPlainObject, type Obj } from '../protocol/json-shape.js';

const CLIENT_ID = /^[A-Za-z0-9_-]{8,64}$/;
const HLC = /^\d{15}\.\d{5}\.[A-Za-z0-9_-]{1,64}$/;

/**
 * The push request if it certainly satisfies `pushRequest`; undefined: ask zod. `guardedJson`: the
 * body is `JSON.parse` output that passed the door check (read-body.ts), so every value in it is
 * already JSON zod keeps as is (finite numbers, plain objects, no `__proto__` key) and the args need
 * no third walk.
 */
export function acceptPushRequest(body: unknown, options: { guardedJson?: boolean } = {}): PushRequest | undefined {
  if (!isPlainObject(body) || !hasOnlyKeys(body, PUSH_KEYS)) return undefined;
  if (body['v'] !== PROTOCOL_VERSION || typeof body['clientId'] !== 'string' || !CLIENT_ID.test(body['clientId'])) return undefined;
  if (body['settledThrough'] !== undefined && !isInt(body['settledThrough'], 0)) return undefined;
  if (Object.hasOwn(body, 'settledThrough') && body['settledThrough'] === undefined) return undefined;
  if (Object.hasOwn(body, 'installId') && (typeof body['installId'] !== 'string' || !INSTALL_ID.test(body['installId']))) return undefined;
  const mutations = body['mutations'];
  if (!Array.isArray(mutations) || mutations.length < 1 || mutations.length > LIMITS.maxMutationsPerPush) return undefined;
  const argsAreJson = options.guardedJson === true;
  for (const m of mutations) if (!isMutation(m, argsAreJson)) return undefined;
  return body as unknown as PushRequest;
}

const PUSH_KEYS = new Set(['v', 'clientId', 'mutations', 'settledThrough', 'installId']);
const MUTATION_KEYS = new Set(['id', 'name', 'args', 'createdAt']);

function isMutation(m: unknown, argsAreJson: boolean): boolean {
  if (!isPlainObject(m) || !hasOnlyKeys(m, MUTATION_KEYS)) return false;
  const name = m['name'];
  return isInt(m['id'], 1) && typeof name === 'string' && name.length >= 1 && name.length <= LIMITS.maxNameLength && isInt(m['createdAt'], 0) && (argsAreJson ? m['args'] !== undefined : isJson(m['args']));
}

const PUT_KEYS = new Set(['collection', 'key', 'value', 'baseVersion', 'hlc']);
const PATCH_KEYS = new Set(['collection', 'key', 'fields', 'expected', 'baseVersion', 'hlc']);
const DELETE_KEYS = new Set(['collection', 'key', 'baseVersion', 'hlc']);

/** `putArgs`, by hand. */
export function acceptPutArgs(raw: unknown): PutArgs | undefined {
  return isPlainObject(raw) && hasOnlyKeys(raw, PUT_KEYS) && isTarget(raw) && isJsonObject(raw['value']) ? (raw as PutArgs) : undefined;
}

/** `patchArgs`, by hand. */
export function acceptPatchArgs(raw: unknown): PatchArgs | undefined {
  if (!isPlainObject(raw) || !hasOnlyKeys(raw, PATCH_KEYS) || !isTarget(raw)) return undefined;
  const fields = raw['fields'];
  return isJsonObject(fields) && Object.keys(fields).length > 0 && isJsonObject(raw['expected']) ? (raw as PatchArgs) : undefined;
}

/** `deleteArgs`, by hand. */
export function acceptDeleteArgs(raw: unknown): DeleteArgs | undefined {
  return isPlainObject(raw) && hasOnlyKeys(raw, DELETE_KEYS) && isTarget(raw) ? (raw as DeleteArgs) : undefined;
}

/** collection, key, baseVersion and the optional hlc every generic write carries. */
function isTarget(o: Obj): boolean {
  const { collection, key, baseVersion, hlc } = o;
  if (typeof collection !== 'string' || !COLLECTION.test(collection)) return false;
  if (typeof key !== 'string' || key.length < 1 || key.length > LIMITS.maxKeyLength) return false;
  if (baseVersion !== null && !isInt(baseVersion, 0)) return false;
  // zod fills nothing in: an absent key stays absent, a present one must hold a stamp.
  return Object.hasOwn(o, 'hlc') ? typeof hlc === 'string' && HLC.test(hlc) : true;
}
