/**
 * One client scenario over the shaped link, in its own process. Prints one JSON result line.
 *
 *   shaped-link-client.ts push --url <proxy url> --token <t> --count <n> [--compress]
 *       Queue n receipts.create offline, then one push-only sync (batches of 1000).
 *   shaped-link-client.ts pull --url <proxy url> --token <t> [--compress] [--page-size n] [--concurrency c] [--sqlite file]
 *       A fresh client pulls everything (pages of 5000 unless given; concurrency 2 fetches a page ahead).
 */
import { parseArgs } from 'node:util';
import { createClient, createHttpTransport } from '../src/index.js';
import { receiptMutators } from '../src/receipts.js';
import { createMemoryStore } from '../src/stores/memory-store.js';
import { openSqliteStore } from '../src/stores/sqlite-store.js';
import { LIMITS } from '../src/protocol/wire.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    count: { type: 'string' },
    compress: { type: 'boolean', default: false },
    'page-size': { type: 'string' },
    concurrency: { type: 'string' },
    sqlite: { type: 'string' },
  },
});

async function main(): Promise<Record<string, unknown>> {
  const compress = values.compress === true;
  const transport = createHttpTransport({ url: values.url ?? '', token: values.token ?? '', timeoutMs: 600_000, compression: { requests: compress, responses: compress } });
  const client = await createClient({
    store: values.sqlite === undefined ? createMemoryStore() : await openSqliteStore(values.sqlite),
    transport,
    autoSync: false,
    mutators: receiptMutators,
    pushBatchSize: LIMITS.maxMutationsPerPush,
    pullPageSize: Number(values['page-size'] ?? LIMITS.maxPullLimit),
    concurrency: Number(values.concurrency ?? '2'),
    requestTimeoutMs: 600_000,
  });
  try {
    if (positionals[0] === 'push') {
      const count = Number(values.count ?? '10000');
      for (let i = 0; i < count; i += 1) {
        const args = { id: `shaped-${i}`, items: [{ description: 'Espresso', quantity: '1', unitPrice: '2.50', vat: '22' }], issuedAt: Date.UTC(2025, 0, 1) + i };
        await client.mutate('receipts.create', args);
      }
    }
    const started = performance.now();
    const result = await client.sync({ direction: positionals[0] === 'push' ? 'push' : 'pull' });
    const ms = performance.now() - started;
    return { ms, requests: transport.stats().requests, bodyBytesUp: result.bytesUp, bodyBytesDown: result.bytesDown, pushed: result.pushed.applied, pulled: result.pulled.changes, pages: result.pulled.pages };
  } finally {
    await client.close();
    await transport.close?.();
  }
}

process.stdin.once('end', () => process.exit(1));
process.stdin.resume();
const result = await main();
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
