/**
 * The latest version of each scope, bounded: at most `max` scopes, least recently changed dropped
 * first, so a server with a million scopes still exports a bounded number of series.
 */
export class ScopeVersions {
  // A Map iterates in insertion order; re-inserting on every change keeps the oldest first.
  readonly #versions = new Map<string, number>();

  constructor(readonly max: number) {}

  set(scope: string, version: number): void {
    if (this.max === 0) return;
    const known = this.#versions.get(scope);
    // Pokes from the fanout may arrive late and out of order: never move a scope backwards.
    if (known !== undefined && known >= version) return;
    this.#versions.delete(scope);
    this.#versions.set(scope, version);
    if (this.#versions.size > this.max) {
      const oldest = this.#versions.keys().next();
      if (oldest.done !== true) this.#versions.delete(oldest.value);
    }
  }

  entries(): IterableIterator<[string, number]> {
    return this.#versions.entries();
  }
}
