/**
 * Client child of the resume and digest benches (the parent SIGKILLs it, so it reports as it goes).
 * Speaks JSON lines on stdout.
 *
 *   resume-client.ts pull   --store <file> --url <url> --token <t> --label <run> [--page <size>]
 *       One sync on a SQLite store: {"event":"start"} just before sync(), {"event":"page","n":k}
 *       after each committed pull page, and at the end {"event":"result", ...} with the cycle result
 *       and the verify phase's time as the run history recorded it.
 *   resume-client.ts digest --store <file> [--repeat <n>]
 *       Time `localDigests` (the client half of the verify phase) over the store's confirmed records.
 */
import { parseArgs } from 'node:util';
import { createClient, createHttpTransport } from '../src/index.js';
import { localDigests } from '../src/core/verify-phase.js';
import { openSqliteStore } from '../src/stores/sqlite-store.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    store: { type: 'string' },
    url: { type: 'string' },
    token: { type: 'string' },
    label: { type: 'string' },
    page: { type: 'string' },
    repeat: { type: 'string' },
  },
});

function required(name: 'store' | 'url' | 'token' | 'label'): string {
  const value = values[name];
  if (value === undefined) throw new Error(`resume-client: --${name} is required.`);
  return value;
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function pull(): Promise<Record<string, unknown>> {
  // The label lets the parent's server attribute each request to this run, even one it answers
  // after this process was killed.
  const transport = createHttpTransport({ url: required('url'), token: required('token'), headers: { 'x-resume-run': required('label') } });
  const client = await createClient({
    store: await openSqliteStore(required('store')),
    transport,
    autoSync: false,
    pullPageSize: Number(values.page ?? '1000'),
    // A killed predecessor leaves its lease behind; a short TTL lets this run take over at once.
    leaseMs: 1,
  });
  let pages = 0;
  client.on('sync.progress', (event) => {
    if (event.phase === 'pull') emit({ event: 'page', n: ++pages });
  });
  emit({ event: 'start' });
  const result = await client.sync();
  const [recorded] = await client.history(1);
  await client.close();
  await transport.close?.();
  return {
    event: 'result',
    outcome: result.outcome,
    verify: result.verify.status,
    cursor: result.cursor,
    pulledChanges: result.pulled.changes,
    durationMs: result.durationMs,
    verifyPhaseMs: recorded?.phases.verify ?? Number.NaN,
  };
}

async function digest(): Promise<Record<string, unknown>> {
  const store = await openSqliteStore(required('store'));
  const repeat = Number(values.repeat ?? '3');
  const runs: number[] = [];
  let records = 0;
  try {
    for (let i = 0; i < repeat; i += 1) {
      const started = performance.now();
      const digests = await store.read((tx) => localDigests(tx));
      runs.push(performance.now() - started);
      records = Object.values(digests).reduce((sum, d) => sum + d.count, 0);
    }
  } finally {
    await store.close();
  }
  return { event: 'digest', records, runsMs: runs, medianMs: [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)] ?? Number.NaN };
}

// The parent holds our stdin open; EOF means it went away, so stop instead of running on alone.
process.stdin.once('end', () => process.exit(1));
process.stdout.on('error', () => process.exit(1));
process.stdin.resume();

const modes: Record<string, () => Promise<Record<string, unknown>>> = { pull, digest };
const mode = positionals[0];
const run = mode === undefined ? undefined : modes[mode];
if (run === undefined) throw new Error(`resume-client: unknown mode ${JSON.stringify(mode)}; use pull or digest.`);
const result = await run();
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
