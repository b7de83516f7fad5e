/** Thrown by an effect handler: the receiver refused the effect for good; dead-letter it without retrying. */
import { SynclineError } from '../../core/errors.js';

export class PermanentEffectError extends SynclineError {
  override name = 'PermanentEffectError' as const;
  constructor(message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super('http', message, { retryable: false, ...options });
  }
}

export function isPermanentEffectError(error: unknown): error is PermanentEffectError {
  return error instanceof Error && error.name === 'PermanentEffectError';
}
