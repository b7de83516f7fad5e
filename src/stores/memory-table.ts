/**
 * One table of the memory store: a Map for point lookups plus a sorted key array for ordered scans.
 * Committed tables are shared with read snapshots; `pins` counts the snapshots that can still see
 * this object, and a commit clones a pinned table instead of changing it under a reader's feet.
 */
import type { JsonValue } from '../protocol/json.js';
import type { KeyRange } from './key-range.js';

/** Marks a key deleted inside a write transaction's change set. */
export const DELETED: unique symbol = Symbol('deleted');
export type Change = JsonValue | typeof DELETED;

// Below this many added or removed keys, splicing into the sorted array beats rebuilding it.
const SPLICE_LIMIT = 16;

export class MemoryTable {
  readonly values: Map<string, JsonValue>;
  #keys: string[];
  /** Read snapshots currently holding this object. */
  pins = 0;

  constructor(values = new Map<string, JsonValue>(), sortedKeys: string[] = []) {
    this.values = values;
    this.#keys = sortedKeys;
  }

  clone(): MemoryTable {
    return new MemoryTable(new Map(this.values), this.#keys.slice());
  }

  /** Number of keys inside `range`. */
  countIn(range: KeyRange): number {
    const [from, to] = this.#indexes(range);
    return to - from;
  }

  /** Keys inside `range`, lazily, ascending or (with `reverse`) descending. */
  *keysIn(range: KeyRange, reverse: boolean): Generator<string> {
    const [from, to] = this.#indexes(range);
    const keys = this.#keys;
    if (reverse) {
      for (let i = to - 1; i >= from; i--) yield keys[i] as string;
    } else {
      for (let i = from; i < to; i++) yield keys[i] as string;
    }
  }

  /** Applies a committed write transaction's changes to this table. */
  apply(changes: ReadonlyMap<string, Change>): void {
    const added: string[] = [];
    const removed = new Set<string>();
    for (const [key, change] of changes) {
      if (change === DELETED) {
        if (this.values.delete(key)) removed.add(key);
      } else {
        if (!this.values.has(key)) added.push(key);
        this.values.set(key, change);
      }
    }
    if (removed.size > 0) this.#removeKeys(removed);
    if (added.length > 0) this.#addKeys(added.sort(compareKeys));
  }

  #indexes(range: KeyRange): [number, number] {
    const from = lowerBound(this.#keys, range.lower);
    const to = range.upper === undefined ? this.#keys.length : lowerBound(this.#keys, range.upper);
    return [from, Math.max(from, to)];
  }

  #removeKeys(removed: Set<string>): void {
    if (removed.size > SPLICE_LIMIT) {
      this.#keys = this.#keys.filter((key) => !removed.has(key));
      return;
    }
    for (const key of removed) this.#keys.splice(lowerBound(this.#keys, key), 1);
  }

  #addKeys(sortedAdded: string[]): void {
    if (sortedAdded.length > SPLICE_LIMIT) {
      this.#keys = mergeSorted(this.#keys, sortedAdded);
      return;
    }
    for (const key of sortedAdded) this.#keys.splice(lowerBound(this.#keys, key), 0, key);
  }
}

export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Index of the first element >= key in a sorted array. */
export function lowerBound(sorted: readonly string[], key: string): number {
  return lowerBoundFrom(sorted, key, 0);
}

function lowerBoundFrom(sorted: readonly string[], key: string, from: number): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Merges a few sorted keys into many: binary searches, then plain copies of the runs between them. */
function mergeSorted(many: readonly string[], few: readonly string[]): string[] {
  // push keeps the array packed; a preallocated `new Array(hugeLength)` may not be.
  const out: string[] = [];
  let from = 0;
  for (const key of few) {
    const at = lowerBoundFrom(many, key, from);
    for (let i = from; i < at; i++) out.push(many[i] as string);
    out.push(key);
    from = at;
  }
  for (let i = from; i < many.length; i++) out.push(many[i] as string);
  return out;
}
