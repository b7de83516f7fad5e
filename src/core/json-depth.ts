/**
 * The client refuses input the server would refuse at the door (src/protocol/json-guard.ts: nesting
 * past the protocol's limit, huge objects, lone surrogates, NUL, `__proto__` keys): a push holding one
 * such mutation is answered 400 as a whole, which would stop the queue behind it for good. Refusing it
 * in `mutate()`/`put()` queues nothing and tells the caller at once.
 */
import { findJsonProblem, MAX_OBJECT_KEYS } from '../protocol/json-guard.js';
import { LIMITS } from '../protocol/wire.js';
import { InvalidArgumentError } from './errors.js';

/** Record values travel inside a generic write's args, one level down: they get one level less. */
export const MAX_RECORD_VALUE_DEPTH = LIMITS.maxJsonDepth - 1;

export function assertShallowEnough(value: unknown, what: 'Mutation args' | 'Record values'): void {
  const max = what === 'Record values' ? MAX_RECORD_VALUE_DEPTH : LIMITS.maxJsonDepth;
  const problem = findJsonProblem(value, { maxDepth: max, maxKeys: MAX_OBJECT_KEYS });
  if (problem === undefined) return;
  if (problem.reason === 'too-deep') {
    throw new InvalidArgumentError(`${what} nest arrays/objects more than ${max} levels deep, which the server refuses; flatten the data (nothing was queued).`);
  }
  throw new InvalidArgumentError(`${what}: ${problem.message} The server refuses it (nothing was queued).`);
}
