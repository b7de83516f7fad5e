// Property: increments from two tabs of one SQLite database and two other devices, interleaved with
// syncs in random order through lost responses, duplicated deliveries and dropped requests, always end
// at start + the sum of every increment — on the server and in every view — with no conflict audited.
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SynclineClient } from '../../src/index.js';
import { createFaultTransport, type FaultTransport } from '../../src/testing/fault-transport.js';
import { memoryClient, serverView, sqliteClient, tempDir } from '../helpers/harness.js';
import { startConflictServer } from './helpers.js';

const SEED = Number(process.env['PROPERTY_SEED'] ?? 20261202);
const dir = tempDir('syncline-increment-prop-');
afterAll(() => dir.remove());
let runNo = 0;

const WRITERS = 4; // 0 and 1: tabs of one database; 2 and 3: devices
const step = fc.oneof(
  fc.record({ kind: fc.constant('increment' as const), writer: fc.nat(WRITERS - 1), by: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ kind: fc.constant('sync' as const), writer: fc.nat(WRITERS - 1) }),
);

describe('increments are exact from any mix of tabs and devices (property)', () => {
  it('ends at start + sum of all increments, whatever the interleaving and faults', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), fc.nat(1000), async (steps, seed) => {
        const run = ++runNo;
        const server = startConflictServer(join(dir.path, `server-${run}.db`), { strict: { writable: true, conflicts: 'server-wins' } });
        const writers: Array<{ client: SynclineClient; transport: FaultTransport }> = [];
        try {
          const owner = await memoryClient(server.transport());
          await owner.collection('strict').put('espresso', { stock: 100 });
          await owner.sync();
          await owner.close();
          for (let i = 0; i < WRITERS; i++) {
            const transport = createFaultTransport(server.transport(), { seed: seed + i });
            const client = i < 2 ? await sqliteClient(join(dir.path, `tabs-${run}.db`), transport) : await memoryClient(transport);
            writers.push({ client, transport });
            await client.sync();
            transport.setFaults({ lostResponse: 0.3, duplicateDelivery: 0.3, dropRequest: 0.1 });
          }
          let sum = 0;
          for (const s of steps) {
            const { client } = writers[s.writer]!;
            if (s.kind === 'sync') await client.sync().catch(() => undefined);
            else {
              await client.collection('strict').increment('espresso', 'stock', s.by);
              sum += s.by;
            }
          }
          for (const { transport } of writers) transport.setFaults({ lostResponse: 0, duplicateDelivery: 0, dropRequest: 0 });
          for (let round = 0; round < 2; round++) for (const { client } of writers) await client.sync();
          expect((await serverView(server.transport(), 'strict'))[0]?.value['stock']).toBe(100 + sum);
          for (const { client } of writers) expect((await client.collection('strict').get('espresso'))?.['stock']).toBe(100 + sum);
          expect(await server.audit()).toEqual([]);
        } finally {
          for (const { client } of writers) await client.close();
          await server.close();
        }
      }),
      { numRuns: 12, seed: SEED, endOnFailure: true },
    );
  }, 120_000);
});
