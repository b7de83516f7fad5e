/** Conformance: basics, values, atomicity, isolation and deep copies. */
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../protocol/json.js';
import type { Store } from '../stores/store.js';
import type { ConformanceContext } from './store-conformance.js';
import { itWithReopen, rejectionOf, waitUntil } from './store-conformance-helpers.js';

const SAMPLES: Record<string, JsonValue> = {
  null: null,
  true: true,
  false: false,
  zero: 0,
  negative: -12.5,
  maxSafe: Number.MAX_SAFE_INTEGER,
  tiny: 1e-300,
  text: 'héllo\u0000wörld 😀 \n"quoted"',
  lone: 'half \ud800 a pair',
  empty: '',
  array: [1, 'a', null, [], {}],
  object: { a: { b: [{ c: 1 }] }, 'ü key': 'x', '': 0 },
  emptyObject: {},
};

function increment(store: Store): Promise<void> {
  return store.write(async (tx) => {
    const n = ((await tx.get('t', 'n')) as number | undefined) ?? 0;
    // Another request between read and write widens the window a lost update would need.
    await tx.get('t', 'unrelated');
    await tx.put('t', 'n', n + 1);
  });
}

export function declareTransactionTests(context: ConformanceContext): void {
  const { open } = context;
  const itReopen = itWithReopen(context);

  describe('basics', () => {
    it('reads nothing from an empty store', async () => {
      const store = await open();
      const result = await store.read(async (tx) => [await tx.get('t', 'k'), await tx.scan('t'), await tx.count('t')]);
      expect(result).toEqual([undefined, [], 0]);
    });

    it('puts, overwrites and deletes', async () => {
      const store = await open();
      await store.write(async (tx) => {
        await tx.put('t', 'a', 1);
        await tx.put('t', 'b', 2);
      });
      await store.write(async (tx) => {
        await tx.put('t', 'a', 10);
        await tx.delete('t', 'b');
        await tx.delete('t', 'never-existed');
      });
      expect(await store.read((tx) => tx.scan('t'))).toEqual([['a', 10]]);
    });

    it('round-trips every kind of JSON value', async () => {
      const store = await open();
      await store.write(async (tx) => {
        for (const [key, value] of Object.entries(SAMPLES)) await tx.put('values', key, value);
      });
      const stored = await store.read(async (tx) => Object.fromEntries(await tx.scan('values')));
      expect(stored).toEqual(SAMPLES);
    });

    it('keeps tables apart', async () => {
      const store = await open();
      await store.write(async (tx) => {
        await tx.put('one', 'k', 1);
        await tx.put('two', 'k', 2);
        await tx.put('one\u0000', 'k', 3);
      });
      const result = await store.read(async (tx) => [await tx.scan('one'), await tx.count('two'), await tx.get('on', 'k')]);
      expect(result).toEqual([[['k', 1]], 1, undefined]);
    });

    it('resolves read and write with what their function returned', async () => {
      const store = await open();
      expect(await store.write(async () => ({ written: true }))).toEqual({ written: true });
      expect(await store.read(async () => 42)).toBe(42);
    });
  });

  describe('atomicity', () => {
    it('a write whose function throws leaves nothing behind and rejects with that same error', async () => {
      const store = await open();
      await store.write(async (tx) => {
        await tx.put('t', 'keep', 1);
        await tx.put('t', 'doomed', 2);
      });
      const failure = new Error('boom');
      const error = await rejectionOf(
        store.write(async (tx) => {
          await tx.put('t', 'keep', 100);
          await tx.put('t', 'new', 3);
          await tx.delete('t', 'doomed');
          await tx.put('other', 'x', 1);
          throw failure;
        }),
      );
      expect(error).toBe(failure);
      const state = await store.read(async (tx) => [await tx.scan('t'), await tx.count('other')]);
      expect(state).toEqual([[['doomed', 2], ['keep', 1]], 0]);
    });

    it('rejects rather than throws when the function throws synchronously, and the next write works', async () => {
      const store = await open();
      const failure = new Error('sync boom');
      const pending = store.write((): Promise<void> => {
        throw failure;
      });
      expect(await rejectionOf(pending)).toBe(failure);
      await store.write((tx) => tx.put('t', 'after', true));
      expect(await store.read((tx) => tx.get('t', 'after'))).toBe(true);
    });
  });

  describe('isolation', () => {
    it('a write transaction reads its own writes through get, scan and count', async () => {
      const store = await open();
      await store.write(async (tx) => {
        await tx.put('t', 'a', 1);
        await tx.put('t', 'c', 3);
      });
      const seen = await store.write(async (tx) => {
        await tx.put('t', 'b', 2);
        await tx.delete('t', 'c');
        await tx.put('t', 'a', 'one');
        return [await tx.get('t', 'a'), await tx.get('t', 'c'), await tx.scan('t'), await tx.count('t')];
      });
      expect(seen).toEqual(['one', undefined, [['a', 'one'], ['b', 2]], 2]);
    });

    it('a read started while a write is midway sees none of it, and all of it after the commit', async () => {
      const store = await open();
      await store.write((tx) => tx.put('t', 'before', 0));
      let midway = false;
      let readDone = false;
      let committed = false;
      const writing = store
        .write(async (tx) => {
          await tx.put('t', 'a', 1);
          await tx.delete('t', 'before');
          midway = true;
          // Keep the transaction busy with its own requests (as IndexedDB needs) until the read ends.
          for (let i = 0; i < 2000 && !readDone; i++) await tx.get('t', 'a');
          await tx.put('t', 'b', 2);
        })
        .then(() => {
          committed = true;
        });
      await waitUntil(() => midway);
      const look = (tx: Parameters<Parameters<Store['read']>[0]>[0]) =>
        Promise.all([tx.get('t', 'before'), tx.get('t', 'a'), tx.get('t', 'b'), tx.count('t'), tx.scan('t')]);
      const seen = await store.read(look);
      const readEndedFirst = !committed;
      readDone = true;
      await writing;
      const none = [0, undefined, undefined, 1, [['before', 0]]];
      const all = [undefined, 1, 2, 2, [['a', 1], ['b', 2]]];
      if (context.factory.readsWaitForWrites === true) {
        expect([none, all]).toContainEqual(seen);
      } else {
        expect(readEndedFirst, 'the read waited for the write').toBe(true);
        expect(seen).toEqual(none);
      }
      expect(await store.read(look)).toEqual(all);
    });

    it('a read keeps its snapshot while a write commits in the middle of it', async () => {
      const store = await open();
      await store.write(async (tx) => {
        await tx.put('t', 'x', 1);
        await tx.put('t', 'y', 1);
      });
      let started = false;
      let writeDone = false;
      const reading = store.read(async (tx) => {
        const first = await tx.get('t', 'x');
        started = true;
        for (let i = 0; i < 2000 && !writeDone; i++) await tx.get('t', 'x');
        return [first, await tx.get('t', 'x'), await tx.get('t', 'y'), await tx.scan('t'), await tx.count('t')];
      });
      await waitUntil(() => started);
      await store.write(async (tx) => {
        await tx.put('t', 'x', 2);
        await tx.delete('t', 'y');
        await tx.put('t', 'z', 2);
      });
      writeDone = true;
      expect(await reading).toEqual([1, 1, 1, [['x', 1], ['y', 1]], 2]);
      expect(await store.read((tx) => tx.scan('t'))).toEqual([['x', 2], ['z', 2]]);
    });

    it('serialises concurrent read-modify-write transactions: 50 increments make 50', async () => {
      const store = await open();
      await Promise.all(Array.from({ length: 50 }, () => increment(store)));
      expect(await store.read((tx) => tx.get('t', 'n'))).toBe(50);
    });

    itReopen('serialises writes across two instances on one database', async () => {
      const first = await open();
      const second = await context.reopen();
      await Promise.all(Array.from({ length: 50 }, (_, i) => increment(i % 2 === 0 ? first : second)));
      expect(await first.read((tx) => tx.get('t', 'n'))).toBe(50);
      expect(await second.read((tx) => tx.get('t', 'n'))).toBe(50);
    });

    itReopen('a second instance sees what the first committed', async () => {
      const first = await open();
      const second = await context.reopen();
      expect(await second.read((tx) => tx.get('t', 'k'))).toBeUndefined();
      await first.write((tx) => tx.put('t', 'k', 'v'));
      expect(await second.read((tx) => tx.get('t', 'k'))).toBe('v');
    });
  });

  describe('values are deep copies', () => {
    it('changing a value after put changes nothing stored', async () => {
      const store = await open();
      const value = { list: [1], nested: { n: 1 } };
      const insideTx = await store.write(async (tx) => {
        await tx.put('t', 'k', value);
        value.list.push(2);
        value.nested.n = 2;
        return tx.get('t', 'k');
      });
      value.nested.n = 3;
      expect(insideTx).toEqual({ list: [1], nested: { n: 1 } });
      expect(await store.read((tx) => tx.get('t', 'k'))).toEqual({ list: [1], nested: { n: 1 } });
    });

    it('values returned by get and scan belong to the caller', async () => {
      const store = await open();
      await store.write((tx) => tx.put('t', 'k', { list: [1] }));
      const mutate = (value: JsonValue | undefined) => (value as { list: number[] }).list.push(99);
      await store.read(async (tx) => {
        mutate(await tx.get('t', 'k'));
        mutate((await tx.scan('t'))[0]?.[1]);
        expect(await tx.get('t', 'k')).toEqual({ list: [1] });
      });
      await store.write(async (tx) => {
        mutate(await tx.get('t', 'k'));
        await tx.put('t', 'mine', { list: [2] });
        mutate(await tx.get('t', 'mine'));
        mutate((await tx.scan('t'))[1]?.[1]);
        expect(await tx.scan('t')).toEqual([['k', { list: [1] }], ['mine', { list: [2] }]]);
      });
      expect(await store.read((tx) => tx.scan('t'))).toEqual([['k', { list: [1] }], ['mine', { list: [2] }]]);
    });
  });
}
