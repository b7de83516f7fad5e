/**
 * Lifecycle pieces every store shares: the "transaction used after it finished" guard and the
 * close gate that lets running transactions finish before handles are released.
 */
import { ClosedError, InvalidArgumentError } from '../core/errors.js';

/** Marks a transaction object finished; every later use throws. */
export class TxScope {
  #open = true;

  assertOpen(): void {
    if (!this.#open) {
      throw new InvalidArgumentError(
        'This store transaction has already finished (its function settled). Do every read and ' +
          'write inside the function passed to read()/write() and await it before returning.',
      );
    }
  }

  end(): void {
    this.#open = false;
  }
}

/**
 * Counts running transactions so `close()` can wait for them. Once closing has begun, new
 * transactions are refused with `ClosedError`; those accepted earlier still run to completion.
 */
export class CloseGate {
  #running = 0;
  #closing: Promise<void> | undefined;
  #onIdle: (() => void) | undefined;

  get closing(): boolean {
    return this.#closing !== undefined;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closing) throw new ClosedError('store');
    this.#running++;
    try {
      return await fn();
    } finally {
      this.#running--;
      if (this.#running === 0) this.#onIdle?.();
    }
  }

  /** Waits for running transactions, then calls `release` once; later calls share that promise. */
  close(release: () => void | Promise<void>): Promise<void> {
    this.#closing ??= this.#idle().then(release);
    return this.#closing;
  }

  #idle(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#onIdle = resolve;
    });
  }
}
