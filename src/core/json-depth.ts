/**
 * The client refuses input the server would refuse at the door: a push holding one mutation nested
 * deeper than the protocol's limit is answered 400 as a whole, which would stop the queue behind it
 * for good. Refusing it in `mutate()`/`put()` queues nothing and tells the caller at once.
 */
import { nestsDeeperThan } from '../protocol/json.js';
import { LIMITS } from '../protocol/wire.js';
import { InvalidArgumentError } from './errors.js';

/** Record values travel inside a generic write's args, one level down: they get one level less. */
export const MAX_RECORD_VALUE_DEPTH = LIMITS.maxJsonDepth - 1;

export function assertShallowEnough(value: unknown, what: 'Mutation args' | 'Record values'): void {
  const max = what === 'Record values' ? MAX_RECORD_VALUE_DEPTH : LIMITS.maxJsonDepth;
  if (!nestsDeeperThan(value, max)) return;
  throw new InvalidArgumentError(`${what} nest arrays/objects more than ${max} levels deep, which the server refuses; flatten the data (nothing was queued).`);
}
