import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/protocol/json.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import { runStoreConformance } from '../../src/testing.js';

runStoreConformance('memory', { open: async () => createMemoryStore() });

describe('memory store specifics', () => {
  it('uses the given name', () => {
    expect(createMemoryStore().name).toBe('memory');
    expect(createMemoryStore({ name: 'memory:tab-1' }).name).toBe('memory:tab-1');
  });

  it('refuses values that cannot be stored', async () => {
    const store = createMemoryStore();
    const error = await store
      .write((tx) => tx.put('t', 'k', (() => 1) as unknown as null))
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('InvalidArgumentError');
  });

  it('stores what JSON text would keep, like a persistent store, including a "__proto__" key', async () => {
    const store = createMemoryStore();
    const odd = { skipped: undefined, when: new Date(0), notANumber: NaN, list: [undefined, 1] };
    const withProtoKey = JSON.parse('{"__proto__": {"polluted": true}, "plain": 1}') as JsonValue;
    await store.write(async (tx) => {
      await tx.put('t', 'odd', odd as unknown as JsonValue);
      await tx.put('t', 'proto', withProtoKey);
    });
    const [oddBack, protoBack] = await store.read((tx) => Promise.all([tx.get('t', 'odd'), tx.get('t', 'proto')]));
    expect(oddBack).toEqual(JSON.parse(JSON.stringify(odd)));
    expect(Object.hasOwn(protoBack as object, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(protoBack)).toBe(Object.prototype);
    expect(JSON.stringify(protoBack)).toBe(JSON.stringify(withProtoKey));
  });

  it('keeps a long read snapshot stable across many commits that add and remove keys', async () => {
    const store = createMemoryStore();
    await store.write(async (tx) => {
      for (let i = 0; i < 100; i++) await tx.put('t', `k${String(i).padStart(3, '0')}`, i);
    });
    let writesDone = false;
    let started = false;
    const reading = store.read(async (tx) => {
      const before = await tx.scan('t');
      started = true;
      for (let i = 0; i < 5000 && !writesDone; i++) await tx.count('t');
      return [before, await tx.scan('t')];
    });
    while (!started) await Promise.resolve();
    for (let round = 0; round < 5; round++) {
      await store.write(async (tx) => {
        for (let i = 0; i < 40; i++) await tx.delete('t', `k${String(round * 20 + i).padStart(3, '0')}`);
        for (let i = 0; i < 30; i++) await tx.put('t', `n${round}-${i}`, i);
      });
    }
    writesDone = true;
    const [before, after] = await reading;
    expect(after).toEqual(before);
    expect(await store.read((tx) => tx.count('t'))).toBe(150);
  });
});
