// Stock as a numeric-delta field: N tills each sell offline (several decrements each), then come
// back in random order through a lossy network. No update is lost: final = start − all decrements.
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { productsCollection } from '../../src/receipts.js';
import { createFaultTransport } from '../../src/testing/fault-transport.js';
import { memoryClient, serverView, tempDir } from '../helpers/harness.js';
import { startConflictServer } from './helpers.js';

const SEED = Number(process.env['PROPERTY_SEED'] ?? 20261126);
const dir = tempDir('syncline-stock-');
afterAll(() => dir.remove());
let runNo = 0;

describe('stock merges as a numeric delta (the products policy)', () => {
  it('ends at start − sum of every offline decrement, whatever the delivery order and faults', async () => {
    const sales = fc.array(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 5 });
    await fc.assert(
      fc.asyncProperty(sales, fc.nat(1000), async (perTill, seed) => {
        const server = startConflictServer(join(dir.path, `server-${++runNo}.db`), productsCollection);
        const tills = [];
        try {
          const owner = await memoryClient(server.transport());
          await owner.collection('products').put('espresso', { name: 'Espresso', price: '1.20', stock: 500 });
          await owner.sync();
          await owner.close();
          for (const [i] of perTill.entries()) {
            const transport = createFaultTransport(server.transport(), { seed: seed + i });
            const till = await memoryClient(transport);
            await till.sync();
            transport.setFaults({ lostResponse: 0.3, duplicateDelivery: 0.2, dropRequest: 0.1 });
            tills.push({ till, transport });
          }
          // Offline: every till decrements its own view of the stock.
          for (const [i, decrements] of perTill.entries()) {
            const products = tills[i]!.till.collection('products');
            for (const d of decrements) {
              const stock = Number((await products.get('espresso'))?.['stock']);
              await products.patch('espresso', { stock: stock - d });
            }
          }
          for (const { till } of [...tills].sort(() => (seed % 2 === 0 ? 1 : -1))) await till.sync().catch(() => undefined);
          for (const { transport } of tills) transport.setFaults({ lostResponse: 0, duplicateDelivery: 0, dropRequest: 0 });
          for (let round = 0; round < 2; round++) for (const { till } of tills) await till.sync();
          const expected = 500 - perTill.flat().reduce((a, b) => a + b, 0);
          expect((await serverView(server.transport(), 'products'))[0]?.value['stock']).toBe(expected);
          for (const { till } of tills) expect((await till.collection('products').get('espresso'))?.['stock']).toBe(expected);
        } finally {
          for (const { till } of tills) await till.close();
          await server.close();
        }
      }),
      { numRuns: 25, seed: SEED, endOnFailure: true },
    );
  }, 120_000);
});
