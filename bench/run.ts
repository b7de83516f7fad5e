/**
 * `npm run bench [-- --quick] [-- --only <section,...>]`: sync benchmarks on loopback HTTP with real
 * SQLite files. Sections: pull, drain, backends, shaped-link, pull-ahead, resume, write-path, import,
 * stores, effects, initial-sync, queries, pokes (write-path's A → B poke latency alone).
 * Write-path knobs (so one run can measure each step of issue 9): --push-batch <n>, --pg-mutations <n>,
 * --compress-requests on|off (client request gzip; unset = the transport's default),
 * --poke-store memory|sqlite, --poke-transport sse|websocket, --poke-writer process|inline (client A in
 * its own process, the default, or in client B's).
 *
 * Every server and every client scenario runs in its own child process (so peak RSS is per process);
 * all of them, and the temp dir, are removed on exit, failure or Ctrl-C. Results go to stdout as
 * tables and to bench/results/latest.json. Benches only report: nothing here asserts on speed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { killAllChildren } from './children.js';
import { datasetTable, drainTable, machineInfo } from './report.js';
import { runBaselines, runDataset, runDrain, type DatasetResult, type DrainResult } from './scenarios.js';
import { pullAheadTable, runPullAhead, PULL_AHEAD_LINK } from './pull-ahead.js';
import { runShapedLink, shapedLinkTable } from './shaped-link.js';
import { backendTable, runBackendComparison } from './postgres.js';
import { runResumeBench } from './resume.js';
import { digestTable, resumeTable } from './resume-report.js';
import { pokesTable, runPokesOnly, runWritePath, writePathTable } from './write-path.js';
import { writePathOptions } from './write-path-setup.js';
import { importTable, runImportBench } from './import.js';
import { runStoreScanBench, storeScanTable } from './store-scan.js';
import { effectsTable, runEffectsBench } from './effects.js';
import { initialSyncTable, runInitialSyncBench } from './initial-sync.js';
import { queryBenchTables, runQueryBench } from './queries.js';

const SECTIONS = ['pull', 'drain', 'backends', 'shaped-link', 'pull-ahead', 'resume', 'write-path', 'import', 'stores', 'effects', 'initial-sync', 'queries', 'pokes'] as const;

type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'push-batch': { type: 'string' },
    'pg-mutations': { type: 'string' },
    'compress-requests': { type: 'string' },
    'poke-store': { type: 'string' },
    'poke-transport': { type: 'string' },
    'poke-writer': { type: 'string' },
  },
});
const quick = values.quick === true;
const only = parseOnly(values.only);
const config = {
  quick,
  sections: only ?? [...SECTIONS],
  datasets: quick ? [10_000] : [10_000, 100_000],
  drainMutations: quick ? 2_000 : 10_000,
  /** undefined = the client's default pushBatchSize. */
  drainBatchSizes: [undefined, 500] as Array<number | undefined>,
  writePath: writePathOptions(quick, {
    pushBatchSize: positiveIntOption(values['push-batch'], '--push-batch'),
    pgMutations: positiveIntOption(values['pg-mutations'], '--pg-mutations'),
    compressRequests: onOffOption(values['compress-requests'], '--compress-requests'),
    pokeStore: choiceOption(values['poke-store'], '--poke-store', ['memory', 'sqlite'] as const),
    pokeTransport: choiceOption(values['poke-transport'], '--poke-transport', ['sse', 'websocket'] as const),
    pokeWriter: choiceOption(values['poke-writer'], '--poke-writer', ['process', 'inline'] as const),
  }),
};
const runs = (section: Section): boolean => config.sections.includes(section);

const dir = mkdtempSync(join(tmpdir(), 'syncline-bench-'));
let cleanedUp = false;
function cleanUp(): void {
  if (cleanedUp) return;
  cleanedUp = true;
  killAllChildren();
  rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    cleanUp();
    process.exit(130);
  });
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<void> {
  const started = performance.now();
  const results: Record<string, unknown> = {};
  const out: string[] = [];
  if (runs('pull') || runs('drain')) {
    log('baselines (idle client and server processes)');
    const baselines = await runBaselines(dir);
    results['baselines'] = baselines;
    out.push(`Peak RSS of idle processes (node + tsx + imports, no data): client ${mib(baselines.idleClientMaxRssBytes)}, server ${mib(baselines.idleServerMaxRssBytes)}`);
  }
  if (runs('pull')) {
    const datasets: DatasetResult[] = [];
    for (const receipts of config.datasets) {
      log(`dataset N = ${receipts}`);
      datasets.push(await runDataset(dir, receipts, log));
    }
    results['datasets'] = datasets;
    out.push(`Initial and delta pull\n${datasetTable(datasets)}`);
  }
  if (runs('drain')) {
    const drains: DrainResult[] = [];
    for (const batch of config.drainBatchSizes) drains.push(await runDrain(dir, config.drainMutations, batch, log));
    results['drains'] = drains;
    out.push(`Outbox drain (${config.drainMutations.toLocaleString('en-US')} receipts.create queued offline, then one sync)\n${drainTable(drains)}`);
  }
  if (runs('backends')) {
    const backends = await runBackendComparison(dir, quick, log);
    results['backends'] = backends;
    const skipped = backends.skipped === undefined ? '' : `\nPostgreSQL skipped: ${backends.skipped}`;
    out.push(`Server backends: SQLite vs PostgreSQL (${backends.postgresSettings}; one-mutation push requests)\n${backendTable(backends)}${skipped}`);
  }
  if (runs('shaped-link')) {
    const shapedReceipts = quick ? 1_000 : 10_000;
    const shaped = await runShapedLink(dir, shapedReceipts, log);
    results['shaped'] = shaped;
    out.push(`Shaped link: 1 Mbit/s each way, 100 ms RTT (TCP proxy on loopback), ${shapedReceipts.toLocaleString('en-US')} receipts; lower bound = round trips × RTT + wire bytes ÷ rate\n${shapedLinkTable(shaped)}`);
  }
  if (runs('pull-ahead')) {
    const pullAhead = await runPullAhead(dir, quick ? 2_000 : 10_000, quick ? 250 : 500, quick ? 1 : 3, log);
    results['pullAhead'] = pullAhead;
    const aheadLink = `${(PULL_AHEAD_LINK.bytesPerSecond * 8) / 1e6} Mbit/s, ${PULL_AHEAD_LINK.oneWayDelayMs * 2} ms RTT`;
    out.push(`Pull ahead: a fresh client pulls ${pullAhead.receipts.toLocaleString('en-US')} receipts in ${pullAhead.pages} pages of ${pullAhead.pageSize} over ${aheadLink} (gzip, client on a SQLite file, whose commits the page ahead hides)\n${pullAheadTable(pullAhead)}`);
  }
  if (runs('resume')) {
    const resumeRecords = quick ? 10_000 : 100_000;
    const resume = await runResumeBench(dir, resumeRecords, [1, 3, 5], log);
    results['resume'] = resume;
    out.push(`Resume overhead: initial pull of ${resumeRecords.toLocaleString('en-US')} receipts (bulk-seeded), pages of ${resume.pageSize}, SIGKILLed ${resume.killDelayMs} ms after a committed page, evenly spread, restarted on the same file; bytes are pull bodies as the server sent them (gzip)\n${resumeTable(resume)}`);
    out.push(`Digest cost (SQLite; push throughput with and without digest upkeep is not separable, so its pieces are timed)\n${digestTable(resume)}`);
  }
  if (runs('write-path')) {
    const writePath = await runWritePath(dir, config.writePath, log);
    results['writePath'] = writePath;
    out.push(`Write path (issue 9): loopback HTTP, clients on SQLite files unless said, SQLite server on its defaults; times are client wall times\n${writePathTable(writePath)}`);
  }
  if (runs('pokes') && !runs('write-path')) {
    const pokes = await runPokesOnly(dir, config.writePath, log);
    results['pokes'] = pokes;
    out.push(`Pokes (issue 9): a write on client A seen by client B, one at a time; loopback HTTP, SQLite server on its defaults\n${pokesTable(pokes)}`);
  }
  if (runs('import')) {
    const importRecords = quick ? 10_000 : 100_000;
    const imported = await runImportBench(dir, importRecords, log);
    results['import'] = imported;
    out.push(`Bulk import (server.importRecords, ${importRecords.toLocaleString('en-US')} records, 5,000 per transaction, durable: SQLite synchronous=FULL, PostgreSQL fsync=on + synchronous_commit=on; in process)\n${importTable(imported)}`);
  }
  if (runs('stores')) {
    const scans = await runStoreScanBench(dir, log);
    results['storeScans'] = scans;
    out.push(`Store scans: one full scan of a table, best of 3, per record (in process; fake-indexeddb shows the shape, not a browser's speed)\n${storeScanTable(scans)}`);
  }
  if (runs('effects')) {
    const effects = quick ? 2_000 : 10_000;
    const rows = await runEffectsBench(dir, effects, log);
    results['effects'] = rows;
    out.push(`Server-side effects: ${effects.toLocaleString('en-US')} effects (64 keys) delivered by httpEffect to a loopback receiver answering in 5 ms; SQLite durable, in process\n${effectsTable(rows)}`);
  }
  if (runs('initial-sync')) {
    const initialRecords = quick ? 10_000 : 100_000;
    const initial = await runInitialSyncBench(dir, initialRecords, [1000], log);
    results['initialSync'] = initial;
    out.push(`Initial sync: a fresh client pulls ${initialRecords.toLocaleString('en-US')} bulk-seeded receipts over loopback HTTP (gzip) from a SQLite server in the bench process; whole sync() (pull + first full verify); targets (issue 13): ≥ 50,000/s SQLite, ≥ 20,000/s IndexedDB, no task over 50 ms\n${initialSyncTable(initial)}`);
  }
  if (runs('queries')) {
    const queries = await runQueryBench(dir, log);
    results['queries'] = queries;
    out.push(`Local queries on 100,000 receipts (memory, SQLite, React Native store in process; IndexedDB in a Chromium page): per query through a declared index vs the whole view + a JavaScript filter, wall (median) and CPU (Chromium: its whole process tree); write cost of keeping two indexes\n${queryBenchTables(queries)}`);
  }
  const totalMs = performance.now() - started;

  const machine = machineInfo();
  process.stdout.write(`\nsyncline bench${quick ? ' (--quick)' : ''}${only === undefined ? '' : ` (--only ${only.join(',')})`}: ${machine.node}, ${machine.cpus} × ${machine.cpuModel}, ${machine.date}\n`);
  process.stdout.write('Loopback HTTP, SQLite files (client durability: default "full"); bytes are response/request bodies as they crossed the wire (gzip on by default; these synthetic receipts compress far better than real ones), without HTTP headers.\n\n');
  for (const section of out) process.stdout.write(`${section}\n\n`);
  process.stdout.write(`Total bench time ${(totalMs / 1000).toFixed(1)} s\n`);

  const resultsDir = fileURLToPath(new URL('results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, 'latest.json');
  writeFileSync(file, `${JSON.stringify({ machine, config, totalMs, ...results }, null, 2)}\n`);
  process.stdout.write(`Results written to ${file}\n`);
}

function parseOnly(raw: string | undefined): Section[] | undefined {
  if (raw === undefined) return undefined;
  const names = raw.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !(SECTIONS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(`--only: unknown section(s) ${JSON.stringify(unknown)}; choose from ${SECTIONS.join(', ')} (comma-separated).`);
  }
  return names as Section[];
}

function positiveIntOption(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${raw}".`);
  return n;
}

function onOffOption(raw: string | undefined, flag: string): boolean | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'on' || raw === 'off') return raw === 'on';
  throw new Error(`${flag} must be on or off, got "${raw}".`);
}

function choiceOption<T extends string>(raw: string | undefined, flag: string, choices: readonly T[]): T | undefined {
  if (raw === undefined || (choices as readonly string[]).includes(raw)) return raw as T | undefined;
  throw new Error(`${flag} must be ${choices.join(' or ')}, got "${raw}".`);
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

try {
  await main();
} catch (error) {
  log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  cleanUp();
}
