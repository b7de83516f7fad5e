/**
 * Client child of the initial-sync bench: one fresh client on a SQLite file pulls the whole scope,
 * while a 1 ms interval timer and `monitorEventLoopDelay` watch how long the event loop is held at a
 * time (better-sqlite3 is synchronous, so a store transaction never yields). Prints one JSON line.
 *
 *   initial-sync-client.ts --store <file> --url <url> --token <t> [--page <size>]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createClient, createHttpTransport } from '../src/index.js';
import { openSqliteStore } from '../src/stores/sqlite-store.js';

const { values } = parseArgs({ options: { store: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' }, page: { type: 'string' } } });
if (values.store === undefined || values.url === undefined || values.token === undefined) throw new Error('initial-sync-client: --store, --url and --token are required.');

const transport = createHttpTransport({ url: values.url, token: values.token });
const client = await createClient({
  store: await openSqliteStore(values.store),
  transport,
  autoSync: false,
  ...(values.page === undefined ? {} : { pullPageSize: Number(values.page) }),
});
let pages = 0;
client.on('sync.progress', (e) => {
  if (e.phase === 'pull') pages += 1;
});
const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
let last = performance.now();
let longestGapMs = 0;
const timer = setInterval(() => {
  const now = performance.now();
  longestGapMs = Math.max(longestGapMs, now - last);
  last = now;
}, 1);
const cpu = process.cpuUsage();
const started = performance.now();
const result = await client.sync();
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
clearInterval(timer);
histogram.disable();
await client.close();
await transport.close?.();
const line = {
  outcome: result.outcome,
  error: result.error?.message,
  ms,
  pulled: result.pulled.changes,
  pages,
  phases: result.phases,
  cursor: result.cursor,
  cpuMs: (used.user + used.system) / 1000,
  longestGapMs,
  maxLoopDelayMs: histogram.max / 1e6,
};
process.stdout.write(`${JSON.stringify(line)}\n`, () => process.exit(0));
