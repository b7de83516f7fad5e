/**
 * Conformance: key order and scan options, checked against a model of the contract (JavaScript
 * code-unit order) over keys chosen to catch the usual mistakes: '\u0000' neighbours, UTF-8 vs
 * UTF-16 order (astral characters against U+E000..U+FFFF), lone surrogates, U+FFFF prefixes.
 */
import { describe, expect, it } from 'vitest';
import type { ScanOptions, StoreReader } from '../stores/store.js';
import { decodeSeq, encodeSeq } from '../stores/store.js';
import type { ConformanceContext } from './store-conformance.js';
import { shuffled } from './store-conformance-helpers.js';

export const EDGE_KEYS: readonly string[] = [
  '', '\u0000', '\u0000\u0000', '\u0001', 'a', 'a\u0000', 'a\u0000b', 'a\u0001', 'aa', 'ab', 'B', 'b', '~',
  '\u007f', '\u0080', 'é', '\u07ff', '\u0800', '\ud7ff', '\ud800', '\udbff\udfff', '\ud83d\ude00',
  '\ud83d\ude00x', '\ud83d\ude01', '\udc00', '\ue000', '\uffef', '\uffff', '\uffff\uffff', '\uffff a',
];

/** Bounds to try as prefix/start/end: every key plus strings that fall between them. */
const BOUNDS: readonly string[] = [...EDGE_KEYS, 'a\u0000a', '\ud83d', 'zz', '\u0000\u0001', '\ue000\u0000'];

/** What a scan must return, straight from the contract's words. */
export function modelScan(keys: readonly string[], options: ScanOptions): string[] {
  const { prefix, start, end, limit, reverse } = options;
  const selected = [...keys]
    .filter((k) => (prefix === undefined || k.startsWith(prefix)) && (start === undefined || k >= start))
    .filter((k) => end === undefined || k < end)
    .sort();
  if (reverse === true) selected.reverse();
  return limit === undefined ? selected : selected.slice(0, limit);
}

/** Compares the store's answers with the model for many option combinations; returns mismatches. */
async function mismatches(tx: StoreReader, table: string, keys: readonly string[]): Promise<string[]> {
  const cases: ScanOptions[] = [{}, { reverse: true }, { limit: 0 }, { limit: 3 }, { limit: 3, reverse: true }];
  for (const b of BOUNDS) {
    for (const reverse of [false, true]) {
      cases.push({ prefix: b, reverse }, { start: b, reverse }, { end: b, reverse }, { prefix: b, limit: 2, reverse });
      cases.push({ prefix: 'a', start: b, reverse }, { prefix: '\ud83d', end: b, reverse }, { start: b, end: 'b', reverse });
    }
  }
  for (const start of BOUNDS.slice(0, 12)) {
    for (const end of BOUNDS) cases.push({ start, end }, { start, end, prefix: start.slice(0, 1), limit: 4, reverse: true });
  }
  const problems: string[] = [];
  for (const options of cases) {
    const got = (await tx.scan(table, options)).map(([key]) => key);
    const want = modelScan(keys, options);
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`scan ${JSON.stringify(options)}: got ${JSON.stringify(got)}`);
  }
  for (const prefix of [undefined, ...BOUNDS]) {
    const options = prefix === undefined ? {} : { prefix };
    const got = await tx.count(table, options);
    const want = modelScan(keys, options).length;
    if (got !== want) problems.push(`count ${JSON.stringify(options)}: got ${got}, want ${want}`);
  }
  return problems;
}

export function declareOrderingTests(context: ConformanceContext): void {
  const { open } = context;

  describe('ordering and scan options', () => {
    it('scans in JavaScript code-unit order, ascending and descending', async () => {
      const store = await open();
      await store.write(async (tx) => {
        for (const key of shuffled(EDGE_KEYS)) await tx.put('t', key, { key });
      });
      const [asc, desc] = await store.read(async (tx) => [await tx.scan('t'), await tx.scan('t', { reverse: true })]);
      const order = asc.map(([key]) => key);
      expect(order).toEqual([...EDGE_KEYS].sort());
      // Spelled out, since this is where UTF-8 based stores go wrong: a surrogate pair sorts below U+E000.
      expect(order.indexOf('\ud83d\ude00')).toBeLessThan(order.indexOf('\ue000'));
      expect(order.indexOf('a\u0000b')).toBeLessThan(order.indexOf('a\u0001'));
      expect(asc.every(([key, value]) => (value as { key: string }).key === key)).toBe(true);
      expect(desc).toEqual([...asc].reverse());
    });

    it('answers prefix, start, end, limit and reverse like the model, in reads', async () => {
      const store = await open();
      await store.write(async (tx) => {
        for (const key of shuffled(EDGE_KEYS)) await tx.put('t', key, 1);
      });
      expect(await store.read((tx) => mismatches(tx, 't', EDGE_KEYS))).toEqual([]);
    });

    it('answers like the model inside a write that has uncommitted puts and deletes', async () => {
      const store = await open();
      const committed = EDGE_KEYS.filter((_, i) => i % 2 === 0);
      const added = EDGE_KEYS.filter((_, i) => i % 2 === 1);
      const removed = committed.filter((_, i) => i % 3 === 0);
      await store.write(async (tx) => {
        for (const key of committed) await tx.put('t', key, 1);
      });
      const expected = [...committed.filter((key) => !removed.includes(key)), ...added];
      const problems = await store.write(async (tx) => {
        for (const key of shuffled(added)) await tx.put('t', key, 2);
        for (const key of removed) await tx.delete('t', key);
        return mismatches(tx, 't', expected);
      });
      expect(problems).toEqual([]);
      expect(await store.read((tx) => mismatches(tx, 't', expected))).toEqual([]);
    });

    it('orders encodeSeq keys numerically and decodes them back', async () => {
      const store = await open();
      const numbers = [0, 1, 2, 9, 10, 11, 99, 100, 1000, 123_456_789, Number.MAX_SAFE_INTEGER];
      await store.write(async (tx) => {
        for (const n of shuffled(numbers)) await tx.put('seq', encodeSeq(n), n);
      });
      const [all, below100] = await store.read(async (tx) => [
        await tx.scan('seq'),
        await tx.scan('seq', { end: encodeSeq(100), reverse: true, limit: 3 }),
      ]);
      expect(all.map(([key, value]) => [decodeSeq(key), value])).toEqual(numbers.map((n) => [n, n]));
      expect(below100.map(([, value]) => value)).toEqual([99, 11, 10]);
    });

    it('pages through a table with start and limit, each key exactly once', async () => {
      const store = await open();
      const keys = Array.from({ length: 300 }, (_, i) => `item:${encodeSeq(i)}`);
      await store.write(async (tx) => {
        for (const key of shuffled(keys)) await tx.put('t', key, key);
      });
      const seen: string[] = [];
      await store.read(async (tx) => {
        let start: string | undefined;
        for (;;) {
          const page = await tx.scan('t', { prefix: 'item:', limit: 64, ...(start === undefined ? {} : { start }) });
          seen.push(...page.map(([key]) => key));
          if (page.length < 64) break;
          start = `${page[page.length - 1]?.[0]}\u0000`;
        }
      });
      expect(seen).toEqual(keys);
    });

    it('scans a table larger than any internal page: every row once, in order, values matching keys', async () => {
      const store = await open();
      const keys = Array.from({ length: 1234 }, (_, i) => `r:${encodeSeq(i)}`);
      await store.write(async (tx) => {
        await tx.put('other', 'r:', 'another table');
        for (const key of keys) await tx.put('big', key, { key });
        await tx.put('big', 's', 'after the prefix');
      });
      const cases: ScanOptions[] = [{}, { prefix: 'r:' }, { limit: 1001 }, { start: 'r:' + encodeSeq(7), end: 'r:' + encodeSeq(1200) }, { prefix: 'r:', limit: 600, reverse: true }];
      const all = [...keys, 's'];
      for (const options of cases) {
        const got = await store.read((tx) => tx.scan('big', options));
        expect(got.map(([key]) => key), JSON.stringify(options)).toEqual(modelScan(all, options));
        expect(got.every(([key, value]) => key === 's' || (value as { key: string }).key === key)).toBe(true);
      }
    });
  });
}
