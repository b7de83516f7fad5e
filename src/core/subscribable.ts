/** The one subscription primitive: typed events, `subscribe` returns `unsubscribe`. */
export type Listener<E> = (event: E) => void;

export class Emitter<E> {
  readonly #listeners = new Set<Listener<E>>();

  subscribe(listener: Listener<E>): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Deliver to every listener. A throwing listener is isolated (reported through `onListenerError`)
   * so one bad subscriber cannot stop sync or starve the others.
   */
  emit(event: E, onListenerError?: (error: unknown) => void): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        onListenerError?.(error);
      }
    }
  }

  get size(): number {
    return this.#listeners.size;
  }

  clear(): void {
    this.#listeners.clear();
  }
}
