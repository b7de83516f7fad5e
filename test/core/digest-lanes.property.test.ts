// The client's maintained digest lanes must always equal a recount of its stored records, whatever
// sequence of local writes, remote writes, pulls, refreshes, resets and repairs led there.
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLanes, scanLanes } from '../../src/core/digest-lanes.js';
import { T, recordKey } from '../../src/core/local-schema.js';
import type { SynclineClient } from '../../src/index.js';
import type { JsonObject } from '../../src/protocol/json.js';
import { memoryClient, startServer, tempDir, type TestServer } from '../helpers/harness.js';

const RUNS = 6;
const tokens = Object.fromEntries(Array.from({ length: RUNS + 1 }, (_, i) => [`t${i}`, `scope-${i}`]));

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
beforeAll(() => {
  dir = tempDir();
  server = startServer({ sqlitePath: join(dir.path, 'server.db'), tokens });
});
afterAll(async () => {
  await server.close();
  dir.remove();
});

const key = fc.constantFrom('k0', 'k1', 'k2', 'k3', 'k4');
const value = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'z'), fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constantFrom('x', 'y')), { minKeys: 1 });
const op = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), who: fc.constantFrom('a', 'b'), key, value }),
  fc.record({ kind: fc.constant('delete' as const), who: fc.constantFrom('a', 'b'), key }),
  fc.record({ kind: fc.constantFrom('sync' as const, 'refresh' as const, 'reset' as const), who: fc.constantFrom('a', 'b') }),
  fc.record({ kind: fc.constant('damage' as const), key }),
);

async function lanesMatchRecords(client: SynclineClient): Promise<void> {
  const [kept, scanned] = await client.store.read(async (tx) => [await readLanes(tx), await scanLanes(tx)] as const);
  expect(kept).toEqual(scanned);
}

describe('maintained digest lanes', () => {
  it('equal a full recount after any sequence of pulls, writes, deletes and repairs', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 4, maxLength: 14 }), async (ops) => {
        const transport = server.transport(`t${run++}`);
        const a = await memoryClient(transport);
        const b = await memoryClient(transport);
        try {
          await a.sync(); // the first verify after open recounts and starts trusting the lanes
          for (const o of ops) {
            const client = o.kind === 'damage' ? a : o.who === 'a' ? a : b;
            if (o.kind === 'put') await client.collection('products').put(o.key, o.value);
            else if (o.kind === 'delete') await client.collection('products').delete(o.key);
            else if (o.kind === 'sync') await client.sync();
            else if (o.kind === 'refresh') await client.sync({ collections: ['products'] });
            else if (o.kind === 'reset') await client.resetCursor().then(() => client.sync());
            else if (o.kind === 'damage') {
              // Damage behind the engine's back, then the full verify that finds and repairs it.
              await a.store.write(async (tx) => {
                const rk = recordKey('products', o.key);
                const row = (await tx.get(T.records, rk)) as { value: JsonObject; version: number } | undefined;
                if (row === undefined) await tx.put(T.records, rk, { v: 1, value: { bogus: true }, version: 1 });
                else await tx.put(T.records, rk, { ...row, value: { ...row.value, damaged: true } });
              });
              await a.sync({ verify: 'full' });
            }
            await lanesMatchRecords(a);
          }
          await b.sync();
          const final = await a.sync();
          expect(final.verify.status).toBe('verified');
          await lanesMatchRecords(a);
          await lanesMatchRecords(b);
        } finally {
          await a.close();
          await b.close();
        }
      }),
      { seed: 11, numRuns: RUNS },
    );
  });
});
