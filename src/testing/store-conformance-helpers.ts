/** Small helpers shared by the store conformance suite's files. */
import { expect, it } from 'vitest';
import { isSynclineError } from '../core/errors.js';
import type { ConformanceContext } from './store-conformance.js';

/** Runs fn so that a synchronous throw and a rejection look the same to the caller. */
export function attempt<T>(fn: () => Promise<T>): Promise<T> {
  return Promise.resolve().then(fn);
}

/** The error a promise rejected with (fails the test if it resolved). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  expect.fail('expected the promise to reject, but it resolved');
}

export async function expectSynclineError(promise: Promise<unknown>, name?: string): Promise<void> {
  const error = await rejectionOf(promise);
  expect(isSynclineError(error), `expected a SynclineError, got ${String(error)}`).toBe(true);
  if (name !== undefined) expect((error as Error).name).toBe(name);
}

/**
 * Lets other promise chains run. Mostly microtask turns, not timers: a store whose operations resolve
 * as microtasks would starve a timer for as long as a transaction keeps issuing requests. Every 1000
 * turns it also yields one macrotask, for stores (IndexedDB) whose requests complete as events.
 */
export async function waitUntil(condition: () => boolean, maxTurns = 100_000): Promise<void> {
  for (let turn = 0; turn < maxTurns && !condition(); turn++) {
    if (turn % 1000 === 999) await new Promise((resolve) => setTimeout(resolve, 0));
    else await Promise.resolve();
  }
  expect(condition(), 'condition never became true').toBe(true);
}

/** `it`, skipped when the factory cannot open a second instance on the same database. */
export function itWithReopen(context: ConformanceContext): (name: string, fn: () => Promise<void>) => void {
  return (name, fn) => (context.factory.reopen === undefined ? it.skip(name, fn) : it(name, fn));
}

/** A deterministic permutation, so insertion order never matches key order. */
export function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
