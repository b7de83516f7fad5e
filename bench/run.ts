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
import { pullAheadTable, runPullAhead, PULL_AHEAD_LINK } from './pull-ahead.js';
import { runShapedLink, shapedLinkTable } from './shaped-link.js';
import { backendTable, runBackendComparison } from './postgres.js';
import { runResumeBench } from './resume.js';
import { digestTable, resumeTable } from './resume-report.js';

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
  const shapedReceipts = quick ? 1_000 : 10_000;
  const shaped = await runShapedLink(dir, shapedReceipts, log);
  const pullAhead = await runPullAhead(dir, quick ? 2_000 : 10_000, quick ? 250 : 500, quick ? 1 : 3, log);
  const backends = await runBackendComparison(dir, quick, log);
  const resumeRecords = quick ? 10_000 : 100_000;
  const resume = await runResumeBench(dir, resumeRecords, [1, 3, 5], log);
  const totalMs = performance.now() - started;

  const machine = machineInfo();
  process.stdout.write(`\nsyncline bench${quick ? ' (--quick)' : ''}: ${machine.node}, ${machine.cpus} × ${machine.cpuModel}, ${machine.date}\n`);
  process.stdout.write('Loopback HTTP, SQLite files (client durability: default "full"); bytes are response/request bodies as they crossed the wire (gzip on by default; these synthetic receipts compress far better than real ones), without HTTP headers.\n\n');
  process.stdout.write(`Peak RSS of idle processes (node + tsx + imports, no data): client ${mib(baselines.idleClientMaxRssBytes)}, server ${mib(baselines.idleServerMaxRssBytes)}\n\n`);
  process.stdout.write(`Initial and delta pull\n${datasetTable(datasets)}\n\n`);
  process.stdout.write(`Outbox drain (${config.drainMutations.toLocaleString('en-US')} receipts.create queued offline, then one sync)\n${drainTable(drains)}\n\n`);
  process.stdout.write(`Server backends: SQLite vs PostgreSQL (${backends.postgresSettings}; one-mutation push requests)\n${backendTable(backends)}\n`);
  if (backends.skipped !== undefined) process.stdout.write(`PostgreSQL skipped: ${backends.skipped}\n`);
  process.stdout.write('\n');
  process.stdout.write(`Shaped link: 1 Mbit/s each way, 100 ms RTT (TCP proxy on loopback), ${shapedReceipts.toLocaleString('en-US')} receipts; lower bound = round trips × RTT + wire bytes ÷ rate\n${shapedLinkTable(shaped)}\n\n`);
  const aheadLink = `${(PULL_AHEAD_LINK.bytesPerSecond * 8) / 1e6} Mbit/s, ${PULL_AHEAD_LINK.oneWayDelayMs * 2} ms RTT`;
  process.stdout.write(`Pull ahead: a fresh client pulls ${pullAhead.receipts.toLocaleString('en-US')} receipts in ${pullAhead.pages} pages of ${pullAhead.pageSize} over ${aheadLink} (gzip, client on a SQLite file, whose commits the page ahead hides)\n${pullAheadTable(pullAhead)}\n\n`);
  process.stdout.write(`Resume overhead: initial pull of ${resumeRecords.toLocaleString('en-US')} receipts (bulk-seeded), pages of ${resume.pageSize}, SIGKILLed ${resume.killDelayMs} ms after a committed page, evenly spread, restarted on the same file; bytes are pull bodies as the server sent them (gzip)\n${resumeTable(resume)}\n\n`);
  process.stdout.write(`Digest cost (SQLite; push throughput with and without digest upkeep is not separable, so its pieces are timed)\n${digestTable(resume)}\n\n`);
  process.stdout.write(`Total bench time ${(totalMs / 1000).toFixed(1)} s\n`);

  const resultsDir = fileURLToPath(new URL('results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, 'latest.json');
  writeFileSync(file, `${JSON.stringify({ machine, config, totalMs, baselines, datasets, drains, backends, shaped, pullAhead, resume }, null, 2)}\n`);
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
