// No echo: a sync() right after pushing 10k generic puts does not download them again. Counted in
// bytes over real HTTP (the transport's wire counters), with the pushes gzipped — the strict case.
import { afterEach, expect, it } from 'vitest';
import { confirmedState, echoedRecords, fullKeys, serverState, startRig, type Rig } from './rig.js';

let rig: Rig;
afterEach(async () => {
  await rig.cleanup();
});

const RECORDS = 10_000;

it(`after pushing ${RECORDS} puts, sync() downloads at most 5 % of the pushed bytes and ends equal to the server`, async () => {
  rig = await startRig();
  const a = await rig.client();
  const products = a.client.collection('products');
  for (let i = 0; i < RECORDS; i += 1) {
    // Nested values and varied key order: the rebuilt value must equal the server's whatever the order.
    const value = i % 2 === 0
      ? { name: `Product ${i}`, price: { amount: (i % 997) / 4, currency: 'EUR' }, stock: i % 50, tags: ['pos', `t${i % 7}`] }
      : { tags: ['pos', `t${i % 7}`], stock: i % 50, price: { currency: 'EUR', amount: (i % 997) / 4 }, name: `Product ${i}` };
    await products.put(`p-${String(i).padStart(5, '0')}`, value);
  }
  const push = await a.client.sync({ direction: 'push' });
  expect(push.pushed.applied).toBe(RECORDS);

  const sync = await a.client.sync();
  expect(sync.outcome).toBe('completed');
  expect(sync.bytesDown).toBeLessThanOrEqual(push.bytesUp * 0.05);
  expect(echoedRecords(a.pages)).toBe(RECORDS);
  expect(fullKeys(a.pages)).toEqual([]);
  // The digest the server sent matches what the client confirmed from its own outbox.
  expect(sync.verify.status).toBe('verified');
  expect(await a.client.pendingCount()).toBe(0);
  const mine = await confirmedState(a.store);
  expect(mine.size).toBe(RECORDS);
  expect(mine).toEqual(await serverState(rig));
}, 600_000);
