/**
 * Scan options turned into one half-open key interval, shared by every store so that `prefix`,
 * `start`, `end` and `limit` mean exactly the same thing everywhere. Order is JavaScript's
 * code-unit order.
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { ScanOptions, TableName } from './store.js';

/** Keys `k` with `lower <= k` and, when `upper` is set, `k < upper`. */
export interface KeyRange {
  readonly lower: string;
  readonly upper: string | undefined;
}

/**
 * The smallest string greater than every string starting with `prefix`, or undefined when there is
 * none (the prefix is empty or all U+FFFF code units).
 */
export function prefixSuccessor(prefix: string): string | undefined {
  let end = prefix.length;
  while (end > 0 && prefix.charCodeAt(end - 1) === 0xffff) end--;
  if (end === 0) return undefined;
  return prefix.slice(0, end - 1) + String.fromCharCode(prefix.charCodeAt(end - 1) + 1);
}

/** The interval a scan covers, or undefined when it is empty. */
export function keyRange(options: ScanOptions = {}): KeyRange | undefined {
  const prefix = options.prefix ?? '';
  const lower = options.start !== undefined && options.start > prefix ? options.start : prefix;
  let upper = prefixSuccessor(prefix);
  if (options.end !== undefined && (upper === undefined || options.end < upper)) upper = options.end;
  if (upper !== undefined && lower >= upper) return undefined;
  return { lower, upper };
}

/** The scan's `limit` as a number (Infinity when unset), rejecting values that cannot be a count. */
export function scanLimit(options: ScanOptions = {}): number {
  const { limit } = options;
  if (limit === undefined) return Infinity;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new InvalidArgumentError(`Scan limit must be a non-negative integer; got ${String(limit)}.`);
  }
  return limit;
}

export function assertTableAndKey(table: TableName, key: string): void {
  if (typeof table !== 'string' || typeof key !== 'string') {
    throw new InvalidArgumentError(
      `Store tables and keys must be strings; got table ${typeof table} and key ${typeof key}.`,
    );
  }
}

export function inRange(key: string, range: KeyRange): boolean {
  return key >= range.lower && (range.upper === undefined || key < range.upper);
}
