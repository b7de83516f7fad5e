// A till on Node: writes land in a local SQLite file first (durable, offline-first), then sync to the
// server exactly once. Start a server (`npx syncline serve --insecure-demo`), then run
// `node sync.mjs` — as often as you like: every run writes a new receipt and syncs it.
// `.mjs` because a project made by `npm init -y` is CommonJS, where top-level await is refused.
import { createClient, createHttpTransport } from 'syncline';
import { openSqliteStore } from 'syncline/sqlite';
import { receiptMutators } from 'syncline/receipts';

const client = await createClient({
  store: await openSqliteStore('./pos.db'),
  transport: createHttpTransport({ url: process.env.SYNCLINE_URL ?? 'http://127.0.0.1:8787', token: 'demo' }),
  mutators: receiptMutators, // optimistic local effects of the named receipt mutations
});
client.on('mutation.rejected', (e) => console.warn(`mutation ${e.id} refused (${e.code}): ${e.message}`));
client.on('sync.failed', (e) => console.warn(`sync failed: ${e.error.message}; retry in ${e.retryInMs} ms`));

// Generic records: get / list / put / patch / delete / increment / subscribe
const products = client.collection('products');
if ((await products.get('espresso')) === undefined) {
  await products.put('espresso', { name: 'Espresso', price: '1.20', stock: 40 });
}
// Read-modify-write: pass what you read, so a change made in between (another tab, process or device)
// is a conflict the collection's policy resolves instead of a lost update…
const stock = Number((await products.get('espresso'))?.stock);
await products.patch('espresso', { stock: stock - 1 }, { expected: { stock } });
// …or, for counters, increment: no read, never a conflict, every writer's increments count.
await products.increment('espresso', 'stock', -1);

// A named server-side mutation: durable locally when the promise resolves, applied once on the server.
// A receipt id must be new each time (the server refuses a second receipt with the same id).
await client.mutate('receipts.create', {
  id: `r-${crypto.randomUUID()}`,
  items: [{ description: 'Espresso', quantity: '2', unitPrice: '1.20', vat: '10' }],
  issuedAt: Date.now(),
});

// Syncing runs in the background; a sync can also be requested, awaited (or cancelled: handle.cancel()).
const result = await client.sync({ priority: 'high' });
console.log(`sync ${result.outcome}: pushed ${result.pushed.applied}, pulled ${result.pulled.changes}, ${result.verify.status}`);
console.log(`receipts on this till: ${(await client.collection('receipts').list()).length}, pending: ${await client.pendingCount()}`);

// Mutations the server refused for good (validation, forbidden) are kept in a log every process can read.
const refused = await client.rejectedMutations({ limit: 50 });
if (refused.length > 0) await client.clearRejectedMutations(refused.at(-1).id);
await client.close();
