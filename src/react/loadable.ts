/** The state every async hook returns, and the equality that keeps snapshots stable. */
import type { SynclineError } from '../core/errors.js';

/**
 * What an async read looks like to a component. `loading`: nothing read yet (always the case while
 * server-rendering, and on the first client render: store reads are async). `ready`: `data` is what
 * the local store holds now, pending local writes included. `error`: the last read failed (e.g. the
 * client was closed); `data` keeps the last value read, if any.
 */
export type Loadable<T> =
  | { readonly status: 'loading'; readonly data: undefined; readonly error: undefined }
  | { readonly status: 'ready'; readonly data: T; readonly error: undefined }
  | { readonly status: 'error'; readonly data: T | undefined; readonly error: SynclineError };

/** The one `loading` snapshot: frozen and shared, so getServerSnapshot is stable by construction. */
export const LOADING: Loadable<never> = Object.freeze({ status: 'loading', data: undefined, error: undefined });

/** getServerSnapshot of the async hooks: always the one `LOADING` object. */
export const loading = (): Loadable<never> => LOADING;

/**
 * Structural equality of JSON-like values (records, lists, metrics). A read that returns what is
 * already shown keeps the old snapshot object, so React re-renders nothing.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => jsonEqual(item, other[i]));
  }
  const ak = Object.keys(a);
  const bk = Object.keys(b);
  if (ak.length !== bk.length) return false;
  const bo = b as Record<string, unknown>;
  return ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && jsonEqual((a as Record<string, unknown>)[k], bo[k]));
}
