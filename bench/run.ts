/**
 * `npm run bench [-- --quick]`: sync benchmarks on loopback HTTP with real SQLite files.
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

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = values.quick === true;
const config = {
  quick,
  datasets: quick ? [10_000] : [10_000, 100_000],
  drainMutations: quick ? 2_000 : 10_000,
  /** undefined = the client's default pushBatchSize. */
  drainBatchSizes: [undefined, 500] as Array<number | undefined>,
};

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
  log('baselines (idle client and server processes)');
  const baselines = await runBaselines(dir);
  const datasets: DatasetResult[] = [];
  for (const receipts of config.datasets) {
    log(`dataset N = ${receipts}`);
    datasets.push(await runDataset(dir, receipts, log));
  }
  const drains: DrainResult[] = [];
  for (const batch of config.drainBatchSizes) drains.push(await runDrain(dir, config.drainMutations, batch, log));
  const totalMs = performance.now() - started;

  const machine = machineInfo();
  process.stdout.write(`\nsyncline bench${quick ? ' (--quick)' : ''}: ${machine.node}, ${machine.cpus} × ${machine.cpuModel}, ${machine.date}\n`);
  process.stdout.write('Loopback HTTP, SQLite files (client durability: default "full"); bytes are JSON bodies without HTTP headers.\n\n');
  process.stdout.write(`Peak RSS of idle processes (node + tsx + imports, no data): client ${mib(baselines.idleClientMaxRssBytes)}, server ${mib(baselines.idleServerMaxRssBytes)}\n\n`);
  process.stdout.write(`Initial and delta pull\n${datasetTable(datasets)}\n\n`);
  process.stdout.write(`Outbox drain (${config.drainMutations.toLocaleString('en-US')} receipts.create queued offline, then one sync)\n${drainTable(drains)}\n\n`);
  process.stdout.write(`Total bench time ${(totalMs / 1000).toFixed(1)} s\n`);

  const resultsDir = fileURLToPath(new URL('results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, 'latest.json');
  writeFileSync(file, `${JSON.stringify({ machine, config, totalMs, baselines, datasets, drains }, null, 2)}\n`);
  process.stdout.write(`Results written to ${file}\n`);
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
