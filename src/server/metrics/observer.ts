/**
 * `ServerObserver`: the one seam through which code deep in the push path reports events the route
 * level cannot see. Every callback is optional and must not throw (it runs inside a push transaction);
 * the server passes a no-op observer when metrics are off, so call sites need no checks beyond `?.`.
 */
export interface ServerObserver {
  /**
   * A mutation was given up after `push.maxHandlerAttempts` failed attempts and stored as a dead
   * letter. Called inside the slice's transaction, just before it commits: should that commit fail,
   * the next attempt gives the mutation up again and it is reported twice.
   */
  deadLettered?(scope: string): void;
}

export const NO_OBSERVER: ServerObserver = Object.freeze({});
