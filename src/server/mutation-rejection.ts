/**
 * A handler throws `MutationRejection` to refuse a mutation permanently: its writes roll back, its id
 * is consumed and the client gets a `rejected` outcome with this code and message.
 */
const BRAND = Symbol.for('syncline.mutation-rejection');

export class MutationRejection extends Error {
  override name = 'MutationRejection' as const;
  readonly code: string;
  readonly [BRAND] = true;

  /** `code` is a short kebab-case reason clients can branch on, e.g. 'duplicate-receipt'. */
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** `instanceof` that also works when two copies of syncline are loaded. */
export function isMutationRejection(value: unknown): value is MutationRejection {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
