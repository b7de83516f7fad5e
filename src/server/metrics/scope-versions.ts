/**
 * The latest version of each scope, bounded: at most `max` scopes, the least recently reported
 * dropped first, so a server with a million scopes still exports a bounded number of series.
 */
export class ScopeVersions {
  // A Map iterates in insertion order; re-inserting on every change keeps the oldest first.
  readonly #versions = new Map<string, number>();

  constructor(readonly max: number) {}

  set(scope: string, version: number): void {
    if (this.max === 0) return;
    const known = this.#versions.get(scope);
    this.#versions.delete(scope);
    // Pokes from the fanout may arrive late and out of order: never move a kept scope backwards.
    // (One evicted and reported again starts afresh: remembering it would make the map unbounded.)
    this.#versions.set(scope, known !== undefined && known > version ? known : version);
    if (this.#versions.size > this.max) {
      const oldest = this.#versions.keys().next();
      if (oldest.done !== true) this.#versions.delete(oldest.value);
    }
  }

  entries(): IterableIterator<[string, number]> {
    return this.#versions.entries();
  }
}
