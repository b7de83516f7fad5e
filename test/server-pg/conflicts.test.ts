// Conflict resolution on PostgreSQL, where pushes of different tills really run concurrently: stock
// merged as a numeric delta loses no decrement, server-wins refuses stale writes, and every conflict
// is in the audit trail.
import { expect, it } from 'vitest';
import { productsCollection } from '../../src/receipts.js';
import { createFaultTransport } from '../../src/testing/fault-transport.js';
import { describePostgres } from '../helpers/postgres.js';
import { memoryClient, serverView } from '../helpers/harness.js';
import { startConflictServer } from '../conflicts/helpers.js';

describePostgres('conflicts on PostgreSQL', (pg) => {
  it('N tills decrement stock offline, sync concurrently: final = start − all decrements, each conflict audited', async () => {
    const server = startConflictServer({ postgres: await pg.createDatabase() }, productsCollection);
    const tills = [];
    try {
      const owner = await memoryClient(server.transport());
      await owner.collection('products').put('espresso', { name: 'Espresso', price: '1.20', stock: 1000 });
      await owner.sync();
      await owner.close();
      for (let i = 0; i < 6; i++) {
        const transport = createFaultTransport(server.transport(), { seed: 100 + i });
        const till = await memoryClient(transport);
        await till.sync();
        tills.push({ till, transport });
      }
      let sold = 0;
      for (const [i, { till }] of tills.entries()) {
        const products = till.collection('products');
        for (let k = 0; k <= i; k++) {
          const stock = Number((await products.get('espresso'))?.['stock']);
          await products.patch('espresso', { stock: stock - (k + 1) });
          sold += k + 1;
        }
      }
      for (const { transport } of tills) transport.setFaults({ lostResponse: 0.3, duplicateDelivery: 0.2 });
      await Promise.all(tills.map(({ till }) => till.sync().catch(() => undefined)));
      for (const { transport } of tills) transport.setFaults({ lostResponse: 0, duplicateDelivery: 0 });
      for (let round = 0; round < 2; round++) await Promise.all(tills.map(({ till }) => till.sync()));
      const [record] = await serverView(server.transport(), 'products');
      expect(record?.value['stock']).toBe(1000 - sold);
      for (const { till } of tills) expect((await till.collection('products').get('espresso'))?.['stock']).toBe(1000 - sold);
      const audit = await server.audit();
      expect(audit.length).toBeGreaterThan(0);
      expect(audit.every((c) => c.collection === 'products' && c.key === 'espresso')).toBe(true);
    } finally {
      for (const { till } of tills) await till.close();
      await server.close();
    }
  }, 60_000);

  it('server-wins refuses a stale write and rolls it back on the client', async () => {
    const server = startConflictServer({ postgres: await pg.createDatabase() }, { notes: { writable: true, conflicts: 'server-wins' } });
    try {
      const a = await memoryClient(server.transport());
      const b = await memoryClient(server.transport());
      await a.collection('notes').put('n', { text: 'first' });
      await a.sync();
      await b.sync();
      await a.collection('notes').put('n', { text: 'a wins the race' });
      await a.sync();
      await b.collection('notes').put('n', { text: 'b is stale' });
      const result = await b.sync();
      expect(result.pushed.rejected).toBe(1);
      expect(await b.collection('notes').get('n')).toEqual({ text: 'a wins the race' });
      expect((await server.audit()).map((c) => c.strategy)).toEqual(['server-wins']);
      await a.close();
      await b.close();
    } finally {
      await server.close();
    }
  });
});
