/**
 * The door check for push bodies, per mutation. Args the protocol refuses (NUL characters, lone
 * surrogates, `__proto__` keys, nesting or key counts past the limits — src/protocol/json-guard.ts)
 * can never succeed, but answering the whole request 400 would stop the client's queue for good: a
 * client of an older version, which did not refuse them when they were written, resends the same
 * batch forever. So a mutation whose args are refused is turned into the reserved
 * `syncline.refused` mutation, which the server rejects (`invalid-args`, id consumed) like any
 * permanent refusal, and the mutations around it apply. A problem anywhere else in the body (the
 * envelope, a mutation's name) is still a 400 for the request.
 */
import { findJsonProblem, MAX_OBJECT_KEYS, type JsonProblem } from '../protocol/json-guard.js';
import { LIMITS } from '../protocol/wire.js';
import { assertAcceptableJson, ENVELOPE_DEPTH } from './read-body.js';
import { MutationRejection } from './mutation-rejection.js';
import type { MutationHandler } from './types.js';

export const REFUSED_MUTATION = 'syncline.refused';

const LIMITS_AT_DOOR = { maxDepth: LIMITS.maxJsonDepth + ENVELOPE_DEPTH, maxKeys: MAX_OBJECT_KEYS };
const ARGS_PATH = /^mutations\.\d+\.args(\.|$)/;

/**
 * `body` (JSON.parse output of a push request) with every mutation whose args the door refuses
 * replaced by a `syncline.refused` mutation saying why; throws the 400 of `assertAcceptableJson` for
 * a problem outside args. The common clean body costs one walk, as before.
 */
export function screenPushBody(body: unknown): unknown {
  const first = findJsonProblem(body, LIMITS_AT_DOOR);
  if (first === undefined) return body;
  const mutations = (body as { mutations?: unknown } | null)?.mutations;
  if (!ARGS_PATH.test(first.path) || !Array.isArray(mutations)) {
    assertAcceptableJson(body);
    return body;
  }
  for (const m of mutations as unknown[]) {
    if (typeof m !== 'object' || m === null || Array.isArray(m) || !Object.hasOwn(m, 'args')) continue;
    const entry = m as Record<string, unknown>;
    // The same depth accounting as the whole body's check: the args sit three levels down.
    const problem = findJsonProblem({ mutations: [{ args: entry['args'] }] }, LIMITS_AT_DOOR);
    if (problem === undefined) continue;
    entry['args'] = { name: typeof entry['name'] === 'string' ? entry['name'].slice(0, LIMITS.maxNameLength) : '', message: describe(problem) };
    entry['name'] = REFUSED_MUTATION;
  }
  // What is left is outside args: the request itself is malformed.
  assertAcceptableJson(body);
  return body;
}

function describe(problem: JsonProblem): string {
  return problem.message.replace('"mutations.0.args', '"args');
}

/** The built-in handler: a permanent rejection carrying what the door found. */
export const refusedMutationHandler: MutationHandler = (_ctx, args) => {
  const { name, message } = (typeof args === 'object' && args !== null && !Array.isArray(args) ? args : {}) as { name?: unknown; message?: unknown };
  const what = typeof name === 'string' && name !== '' ? `"${name}"` : 'this mutation';
  const why = typeof message === 'string' ? message.slice(0, 500) : 'its args are not accepted';
  throw new MutationRejection('invalid-args', `The server refuses the args of ${what}: ${why}`);
};
