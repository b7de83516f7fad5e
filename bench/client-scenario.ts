/**
 * One client scenario in its own process, so its peak RSS is its own. Prints one JSON result line.
 *
 *   client-scenario.ts sync  --store <file> --url <url> --token <t>
 *       One sync cycle of a SQLite-backed client (an initial pull on a fresh file, a delta pull on a
 *       file that already holds a cursor).
 *   client-scenario.ts idle  --store <file> --url <url> --token <t>
 *       Open a client and close it without syncing: the RSS baseline of a client process.
 *   client-scenario.ts drain --store <file> --url <url> --token <t> --count <n> [--batch <size>]
 *       Queue n receipts.create while offline, go online, sync once.
 */
import { parseArgs } from 'node:util';
import { createClient, createHttpTransport, type SyncCycleResult } from '../src/index.js';
import { receiptMutators } from '../src/receipts.js';
import { openSqliteStore } from '../src/stores/sqlite-store.js';
import { createFaultTransport } from '../src/testing/fault-transport.js';
import { PhaseClock } from './phase-clock.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    store: { type: 'string' },
    url: { type: 'string' },
    token: { type: 'string' },
    count: { type: 'string' },
    batch: { type: 'string' },
  },
});

function required(name: 'store' | 'url' | 'token'): string {
  const value = values[name];
  if (value === undefined) throw new Error(`client-scenario: --${name} is required.`);
  return value;
}

/** What both scenarios report about the one sync cycle they run. */
function cycleSummary(result: SyncCycleResult, wallMs: number): Record<string, number> {
  return {
    cycleMs: result.durationMs,
    wallMs,
    pushRequests: result.pushed.requests,
    pushedApplied: result.pushed.applied,
    pushedRejected: result.pushed.rejected,
    pullRequests: result.pulled.requests,
    pulledChanges: result.pulled.changes,
    bytesUp: result.bytesUp,
    bytesDown: result.bytesDown,
    cursor: result.cursor,
  };
}

async function syncOnce(): Promise<Record<string, unknown>> {
  const store = await openSqliteStore(required('store'));
  const transport = createHttpTransport({ url: required('url'), token: required('token') });
  const client = await createClient({ store, transport, autoSync: false, mutators: receiptMutators });
  try {
    const started = performance.now();
    const result = await client.sync();
    return { ...cycleSummary(result, performance.now() - started), httpRequests: transport.stats().requests };
  } finally {
    await client.close();
    await transport.close?.();
  }
}

async function openAndClose(): Promise<Record<string, unknown>> {
  const store = await openSqliteStore(required('store'));
  const transport = createHttpTransport({ url: required('url'), token: required('token') });
  const client = await createClient({ store, transport, autoSync: false, mutators: receiptMutators });
  await client.close();
  await transport.close?.();
  return { clientId: client.clientId };
}

async function drainOutbox(): Promise<Record<string, unknown>> {
  const count = Number(values.count ?? '10000');
  const batch = values.batch === undefined ? undefined : Number(values.batch);
  const store = await openSqliteStore(required('store'));
  const http = createHttpTransport({ url: required('url'), token: required('token') });
  const clock = new PhaseClock(http);
  const transport = createFaultTransport(clock, { seed: 1 });
  const client = await createClient({
    store,
    transport,
    autoSync: false,
    mutators: receiptMutators,
    ...(batch === undefined ? {} : { pushBatchSize: batch }),
  });
  try {
    transport.setOffline(true);
    const queueStarted = performance.now();
    for (let i = 0; i < count; i += 1) {
      const args = { id: `drain-${i}`, items: [{ description: 'Espresso', quantity: '1', unitPrice: '2.50', vat: '22' }], issuedAt: Date.now() };
      await client.mutate('receipts.create', args);
    }
    const queueMs = performance.now() - queueStarted;
    const offlineSyncFailed = await client.sync().then(() => false, () => true);
    const queued = await client.pendingCount();

    transport.setOffline(false);
    const started = performance.now();
    clock.reset(started);
    const result = await client.sync();
    const wallMs = performance.now() - started;
    return {
      count,
      pushBatchSize: batch ?? 'default',
      queueMs,
      offlineSyncFailed,
      pendingBefore: queued,
      pendingAfter: await client.pendingCount(),
      pushPhaseMs: clock.pushPhaseMs(),
      pushPhase: clock.pushPhaseStats() ?? null,
      pushTimeSplit: clock.pushTimeSplit(),
      ...cycleSummary(result, wallMs),
    };
  } finally {
    await client.close();
    await transport.close();
  }
}

// The parent holds our stdin open; EOF means it went away, so stop instead of running on alone.
process.stdin.once('end', () => process.exit(1));
process.stdout.on('error', () => process.exit(1));
process.stdin.resume();

const scenario = positionals[0];
const scenarios: Record<string, () => Promise<Record<string, unknown>>> = { sync: syncOnce, idle: openAndClose, drain: drainOutbox };
const run = scenario === undefined ? undefined : scenarios[scenario];
if (run === undefined) throw new Error(`client-scenario: unknown scenario ${JSON.stringify(scenario)}; use sync, idle or drain.`);
const result = await run();
// maxRSS is in kilobytes; read after close so the whole scenario is covered.
process.stdout.write(`${JSON.stringify({ ...result, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`, () => process.exit(0));
