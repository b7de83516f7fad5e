/**
 * The conformance suite every `Store` must pass, one `describe` block per contract clause. Run it
 * from a Vitest file over your own store:
 *
 * @example
 * runStoreConformance('my store', {
 *   open: () => openMyStore(freshPath()),
 *   reopen: () => openMyStore(lastPath),
 *   cleanup: async () => removeFiles(),
 * });
 */
import { afterEach, describe } from 'vitest';
import type { Store } from '../stores/store.js';
import { declareJobTests } from './store-conformance-jobs.js';
import { declareLifecycleTests } from './store-conformance-lifecycle.js';
import { declareOrderingTests } from './store-conformance-order.js';
import { declareQueryTests } from './store-conformance-queries.js';
import { declareTransactionTests } from './store-conformance-transactions.js';

export interface StoreFactory {
  /** A store on a new, empty database. Called at least once per test. */
  open(): Promise<Store>;
  /**
   * Another instance on the database that the latest `open()` created, as a second tab or process
   * would open it. Without it, the durability and cross-instance tests are skipped.
   */
  reopen?(): Promise<Store>;
  /** Called after each test, once every store it opened is closed; remove files here. */
  cleanup?(): Promise<void>;
  /**
   * Set when a read started during a write waits for that write to finish (as IndexedDB does for
   * overlapping scopes). By default the suite requires that such a read runs at once on a snapshot.
   */
  readsWaitForWrites?: boolean;
  /**
   * `false` skips the query clause, which runs a real sync server (SQLite in memory, loaded lazily)
   * and so needs Node with the server's dependencies.
   */
  queries?: boolean;
}

/** What the declaring functions share: stores opened through it are closed after each test. */
export interface ConformanceContext {
  readonly factory: StoreFactory;
  open(): Promise<Store>;
  /** Only call in tests declared with `itWithReopen`. */
  reopen(): Promise<Store>;
}

export function runStoreConformance(name: string, factory: StoreFactory): void {
  describe(`Store conformance: ${name}`, () => {
    const opened: Store[] = [];
    const track = (store: Store): Store => {
      opened.push(store);
      return store;
    };
    const context: ConformanceContext = {
      factory,
      open: async () => track(await factory.open()),
      reopen: async () => {
        if (factory.reopen === undefined) throw new Error('This store factory has no reopen().');
        return track(await factory.reopen());
      },
    };

    afterEach(async () => {
      await Promise.allSettled(opened.splice(0).map((store) => store.close()));
      await factory.cleanup?.();
    });

    declareTransactionTests(context);
    declareOrderingTests(context);
    declareLifecycleTests(context);
    declareJobTests(context);
    if (factory.queries !== false) declareQueryTests(context);
  });
}
