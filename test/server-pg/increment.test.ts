// Increments on PostgreSQL, where pushes of different tills really run concurrently: every increment
// counts exactly once (the read and the write happen inside the push transaction, under the scope
// lock), and none is a conflict — even under server-wins.
import { expect, it } from 'vitest';
import { createFaultTransport } from '../../src/testing/fault-transport.js';
import { describePostgres } from '../helpers/postgres.js';
import { memoryClient, serverView } from '../helpers/harness.js';
import { startConflictServer } from '../conflicts/helpers.js';

describePostgres('increment on PostgreSQL', (pg) => {
  it('N tills increment concurrently through lossy delivery: final = start + every increment, nothing audited', async () => {
    const server = startConflictServer({ postgres: await pg.createDatabase() }, { stock: { writable: true, conflicts: 'server-wins' } });
    const tills = [];
    try {
      const owner = await memoryClient(server.transport());
      await owner.collection('stock').put('espresso', { stock: 1000 });
      await owner.sync();
      await owner.close();
      for (let i = 0; i < 6; i++) {
        const transport = createFaultTransport(server.transport(), { seed: 200 + i });
        const till = await memoryClient(transport, { pushBatchSize: 2 });
        await till.sync();
        tills.push({ till, transport });
      }
      let sold = 0;
      for (const [i, { till }] of tills.entries()) {
        for (let k = 0; k <= i; k++) {
          await till.collection('stock').increment('espresso', 'stock', -(k + 1));
          sold += k + 1;
        }
      }
      for (const { transport } of tills) transport.setFaults({ lostResponse: 0.3, duplicateDelivery: 0.2 });
      await Promise.all(tills.map(({ till }) => till.sync().catch(() => undefined)));
      for (const { transport } of tills) transport.setFaults({ lostResponse: 0, duplicateDelivery: 0 });
      for (let round = 0; round < 2; round++) await Promise.all(tills.map(({ till }) => till.sync()));
      const [record] = await serverView(server.transport(), 'stock');
      expect(record?.value['stock']).toBe(1000 - sold);
      for (const { till } of tills) expect((await till.collection('stock').get('espresso'))?.['stock']).toBe(1000 - sold);
      expect(await server.audit()).toEqual([]);
    } finally {
      for (const { till } of tills) await till.close();
      await server.close();
    }
  }, 60_000);
});
