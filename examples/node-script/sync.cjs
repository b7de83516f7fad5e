// The same till from CommonJS (a project made by `npm init -y`): require() loads syncline's ES module
// build on Node >= 20.19 (or >= 22.12); older Node needs `import()` or an .mjs file instead.
const { createClient, createHttpTransport } = require('syncline');
const { openSqliteStore } = require('syncline/sqlite');
const { receiptMutators } = require('syncline/receipts');

async function main() {
  const client = await createClient({
    store: await openSqliteStore('./pos.db'),
    transport: createHttpTransport({ url: process.env.SYNCLINE_URL ?? 'http://127.0.0.1:8787', token: 'demo' }),
    mutators: receiptMutators,
  });
  try {
    await client.mutate('receipts.create', {
      id: `r-${crypto.randomUUID()}`,
      items: [{ description: 'Espresso', quantity: '1', unitPrice: '1.20', vat: '10' }],
      issuedAt: Date.now(),
    });
    const result = await client.sync();
    console.log(`sync ${result.outcome}: pushed ${result.pushed.applied}, pending: ${await client.pendingCount()}`);
  } finally {
    await client.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
