// Property: whatever mix of confirmed writes (with the digest lanes kept or not), plain reads of other
// records in between and direct record writes a transaction makes, the query index table holds
// exactly the entries a rebuild from the records would give. The indexing writer reuses the last
// record row it read as the old value of the next put/delete: this pins that it never reuses a row
// of another key or a row that a later write replaced.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recountLanes } from '../../src/core/digest-lanes.js';
import { recordKey, T } from '../../src/core/local-schema.js';
import { writeConfirmedAll } from '../../src/core/local-view.js';
import { entryKey, INDEX_TABLE } from '../../src/core/query-index.js';
import { withQueryIndexes } from '../../src/core/query-store.js';
import type { JsonObject } from '../../src/protocol/json.js';
import type { Change } from '../../src/protocol/wire.js';
import { createMemoryStore } from '../../src/stores/memory-store.js';
import type { Store } from '../../src/stores/store.js';

const RUNS = Number(process.env['PROPERTY_RUNS'] ?? (process.env['CI'] ? 1500 : 1000));
const SEED = Number(process.env['PROPERTY_SEED'] ?? 20261203);
const INDEXES = { r: ['n', ['s', 'n']], q: ['s'] } as const;

const collection = fc.constantFrom('r', 'q', 'other');
const key = fc.constantFrom('k0', 'k1', 'k2');
const value: fc.Arbitrary<JsonObject> = fc.record(
  // Few distinct values, so a write often leaves the indexed fields as they were (no entry moves).
  { n: fc.oneof(fc.integer({ min: 0, max: 1 }), fc.constant(null), fc.constant([1])), s: fc.constantFrom('open', 'paid'), t: fc.integer({ min: 0, max: 1 }) },
  { requiredKeys: [] },
) as fc.Arbitrary<JsonObject>;

type Step =
  | { t: 'confirm'; changes: Array<{ collection: string; key: string; value: JsonObject | undefined }> }
  | { t: 'read-then-write'; read: { collection: string; key: string }; writes: Array<{ to: { collection: string; key: string } | undefined; value: JsonObject | undefined }> }
  | { t: 'trust-lanes' };

const target = fc.record({ collection, key });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('confirm' as const), changes: fc.array(fc.record({ collection, key, value: fc.option(value, { nil: undefined }) }), { minLength: 1, maxLength: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('read-then-write' as const), read: target, writes: fc.array(fc.record({ to: fc.option(target, { nil: undefined }), value: fc.option(value, { nil: undefined }) }), { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('trust-lanes' as const) }) },
);

async function expectEntriesMatchRecords(store: Store): Promise<void> {
  await store.read(async (tx) => {
    const expected: string[] = [];
    for (const [rk, raw] of await tx.scan(T.records)) {
      const [c, k] = rk.split('\u0000') as [string, string];
      const list = (INDEXES as Record<string, ReadonlyArray<string | readonly string[]>>)[c] ?? [];
      for (const item of list) {
        const entry = entryKey(c, typeof item === 'string' ? [item] : item, k, (raw as { value: JsonObject }).value);
        if (entry !== undefined) expected.push(entry);
      }
    }
    const actual = (await tx.scan(INDEX_TABLE)).map(([k]) => k);
    expect(actual).toEqual(expected.sort());
  });
}

describe('query index upkeep', () => {
  it('keeps exactly the entries of the stored records, however writes and reads interleave', async () => {
    let version = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const store = withQueryIndexes(createMemoryStore(), INDEXES);
        try {
          for (const s of steps) {
            if (s.t === 'trust-lanes') {
              await store.write((tx) => recountLanes(tx).then(() => undefined));
            } else if (s.t === 'confirm') {
              const changes = s.changes.map((c): Change => (c.value === undefined
                ? { collection: c.collection, key: c.key, version: ++version, deleted: true }
                : { collection: c.collection, key: c.key, version: ++version, value: c.value }));
              await store.write((tx) => writeConfirmedAll(tx, changes));
            } else {
              const { read, writes } = s;
              await store.write(async (tx) => {
                await tx.get(T.records, recordKey(read.collection, read.key));
                for (const write of writes) {
                  // Mostly the record just read (the pattern the writer optimises), sometimes another.
                  const to = write.to ?? read;
                  const rk = recordKey(to.collection, to.key);
                  if (write.value === undefined) await tx.delete(T.records, rk);
                  else await tx.put(T.records, rk, { v: 1, value: write.value, version: ++version });
                }
              });
            }
            await expectEntriesMatchRecords(store);
          }
        } finally {
          await store.close();
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
