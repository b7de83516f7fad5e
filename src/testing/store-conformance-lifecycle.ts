/** Conformance: transaction objects after they settle, close(), and durability across instances. */
import { describe, expect, it } from 'vitest';
import type { StoreReader, StoreWriter } from '../stores/store.js';
import type { ConformanceContext } from './store-conformance.js';
import { attempt, expectSynclineError, itWithReopen, rejectionOf } from './store-conformance-helpers.js';

export function declareLifecycleTests(context: ConformanceContext): void {
  const { open } = context;
  const itReopen = itWithReopen(context);

  describe('transactions after they settle', () => {
    it('a read transaction used after its function resolved throws', async () => {
      const store = await open();
      let escaped: StoreReader | undefined;
      await store.read(async (tx) => {
        escaped = tx;
      });
      const tx = escaped as StoreReader;
      await expectSynclineError(attempt(() => tx.get('t', 'k')));
      await expectSynclineError(attempt(() => tx.scan('t')));
      await expectSynclineError(attempt(() => tx.count('t')));
    });

    it('a write transaction used after its function resolved or threw throws and writes nothing', async () => {
      const store = await open();
      let resolved: StoreWriter | undefined;
      let failed: StoreWriter | undefined;
      await store.write(async (tx) => {
        resolved = tx;
      });
      await rejectionOf(
        store.write(async (tx) => {
          failed = tx;
          throw new Error('fail on purpose');
        }),
      );
      for (const tx of [resolved as StoreWriter, failed as StoreWriter]) {
        await expectSynclineError(attempt(() => tx.put('t', 'late', 1)));
        await expectSynclineError(attempt(() => tx.delete('t', 'late')));
        await expectSynclineError(attempt(() => tx.get('t', 'late')));
      }
      expect(await store.read((tx) => tx.count('t'))).toBe(0);
    });
  });

  describe('close', () => {
    it('waits for a running write, which commits; afterwards read and write reject with ClosedError', async () => {
      const store = await open();
      let writeFinished = false;
      const writing = store
        .write(async (tx) => {
          for (let i = 0; i < 200; i++) await tx.get('t', 'k');
          await tx.put('t', 'k', 'written before close');
        })
        .then(() => {
          writeFinished = true;
        });
      await store.close();
      expect(writeFinished).toBe(true);
      await writing;
      await expectSynclineError(store.read((tx) => tx.get('t', 'k')), 'ClosedError');
      await expectSynclineError(store.write((tx) => tx.put('t', 'k', 1)), 'ClosedError');
    });

    it('refuses transactions requested once close has begun, and closing twice is harmless', async () => {
      const store = await open();
      const closing = store.close();
      await expectSynclineError(store.write((tx) => tx.put('t', 'k', 1)), 'ClosedError');
      await closing;
      await store.close();
      await Promise.all([store.close(), store.close()]);
    });

    itReopen('a write that close waited for is durable', async () => {
      const store = await open();
      const writing = store.write(async (tx) => {
        for (let i = 0; i < 50; i++) await tx.get('t', 'k');
        await tx.put('t', 'k', 'kept');
      });
      await store.close();
      await writing;
      const again = await context.reopen();
      expect(await again.read((tx) => tx.get('t', 'k'))).toBe('kept');
    });
  });

  describe('durability', () => {
    itReopen('committed puts and deletes survive closing and reopening; a failed write does not', async () => {
      const store = await open();
      await store.write(async (tx) => {
        await tx.put('t', 'a', { n: 1 });
        await tx.put('t', 'b', [2]);
        await tx.put('u', 'c', 'three');
      });
      await store.write((tx) => tx.delete('t', 'b'));
      await rejectionOf(
        store.write(async (tx) => {
          await tx.put('t', 'ghost', 1);
          throw new Error('fail on purpose');
        }),
      );
      await store.close();
      const again = await context.reopen();
      const state = await again.read(async (tx) => [await tx.scan('t'), await tx.scan('u')]);
      expect(state).toEqual([[['a', { n: 1 }]], [['c', 'three']]]);
    });

    itReopen('a write is visible to a new instance as soon as it resolves, without closing', async () => {
      const store = await open();
      await store.write((tx) => tx.put('t', 'k', 1));
      const again = await context.reopen();
      expect(await again.read((tx) => tx.get('t', 'k'))).toBe(1);
    });
  });
}
