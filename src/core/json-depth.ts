/**
 * The client refuses input the server would refuse at the door (src/protocol/json-guard.ts: nesting
 * past the protocol's limit, huge objects, lone surrogates, NUL, `__proto__` keys): a push holding one
 * such mutation is answered 400 as a whole, which would stop the queue behind it for good. Refusing it
 * in `mutate()`/`put()` queues nothing and tells the caller at once.
 */
import { findJsonProblem, MAX_OBJECT_KEYS, type JsonProblem } from '../protocol/json-guard.js';
import { LIMITS } from '../protocol/wire.js';
import { InvalidArgumentError } from './errors.js';

/** Record values travel inside a generic write's args, one level down: they get one level less. */
export const MAX_RECORD_VALUE_DEPTH = LIMITS.maxJsonDepth - 1;

type Checked = 'Mutation args' | 'Record values';

const maxDepthOf = (what: Checked) => (what === 'Record values' ? MAX_RECORD_VALUE_DEPTH : LIMITS.maxJsonDepth);

/** What the server's door check would refuse in `value`, with the limits the client mirrors. */
export function findRefusedJson(value: unknown, what: Checked): JsonProblem | undefined {
  return findJsonProblem(value, { maxDepth: maxDepthOf(what), maxKeys: MAX_OBJECT_KEYS });
}

export function assertShallowEnough(value: unknown, what: Checked): void {
  const max = maxDepthOf(what);
  const problem = findRefusedJson(value, what);
  if (problem === undefined) return;
  if (problem.reason === 'too-deep') {
    throw new InvalidArgumentError(`${what} nest arrays/objects more than ${max} levels deep, which the server refuses; flatten the data (nothing was queued).`);
  }
  throw new InvalidArgumentError(`${what}: ${problem.message} The server refuses it (nothing was queued).`);
}
