/**
 * The write-path section (issue 9): push throughput and its server CPU, push time against pulling the
 * same records back, PostgreSQL with durable commits, an offline queue draining, a 1 % delta sync, and
 * a write's way from one client to another through pokes. Servers run in child processes; the
 * clients run here. Results only: nothing asserts on speed.
 */
import { runOfflineDrain, runPokeLatency, type OfflineDrainResult, type PokeLatencyResult } from './write-path-latency.js';
import { runPostgresPush, runPushPullDelta, type DeltaResult, type PostgresPushResult, type PushResult } from './write-path-push.js';
import { describeRequestCompression, serverDbFile, startWritePathServer, type WritePathOptions } from './write-path-setup.js';

export interface WritePathResult {
  options: WritePathOptions & { requestCompression: string };
  push: PushResult;
  delta: DeltaResult;
  postgres: PostgresPushResult | { skipped: string };
  offline: OfflineDrainResult;
  pokes: PokeLatencyResult;
  serverMaxRssBytes: number;
}

export async function runWritePath(dir: string, options: WritePathOptions, log: (line: string) => void): Promise<WritePathResult> {
  log(`write path (push batch ${options.pushBatchSize ?? 'default'}, request gzip: ${describeRequestCompression(options)})`);
  const server = await startWritePathServer(serverDbFile(dir, 'write-path'));
  let push: PushResult;
  let delta: DeltaResult;
  let pokes: PokeLatencyResult;
  try {
    ({ push, delta } = await runPushPullDelta(server, dir, options, log));
    pokes = await runPokeLatency(server, dir, options, log);
  } finally {
    await server.stop().catch(() => undefined);
  }
  const serverMaxRssBytes = await server.stop();
  const offline = await runOfflineDrain(dir, options, log);
  log('  write path: PostgreSQL');
  const postgres = await runPostgresPush(options, log);
  return { options: { ...options, requestCompression: describeRequestCompression(options) }, push, delta, postgres, offline, pokes, serverMaxRssBytes };
}

/** One table: what was measured, the result, and issue 9's target for it. */
export function writePathTable(r: WritePathResult): string {
  const n = r.push.records.toLocaleString('en-US');
  const pg = r.postgres;
  const rows: Array<[string, string, string]> = [
    [`push ${n} generic puts, SQLite server (batch ${r.push.pushBatchSize}, request gzip: ${r.options.requestCompression})`, `${ms(r.push.pushMs)}, ${rate(r.push.mutationsPerSecond)} mut/s`, '≥ 10,000 mut/s'],
    ['  server CPU per mutation (process.cpuUsage of the server)', `${r.push.serverCpuMicrosPerMutation.toFixed(0)} µs`, '≤ 100 µs'],
    ['  push requests, bytes up', `${r.push.pushRequests}, ${bytes(r.push.bytesUp)}`, ''],
    [`pull the same ${n} into a fresh client (sync())`, `${ms(r.push.pullMs)}, ${r.push.pullRequests} requests, ${bytes(r.push.bytesDown)} down`, ''],
    ['push time ÷ pull time', `${r.push.pushOverPull.toFixed(2)} ×`, '≤ 2.5 ×'],
    'skipped' in pg
      ? ['PostgreSQL push', `skipped: ${pg.skipped}`, '≥ 5,000 mut/s']
      : [`PostgreSQL (synchronous_commit = ${pg.synchronousCommit}): ${pg.clients} clients, one scope, ${pg.mutations.toLocaleString('en-US')} puts, batch ${pg.pushBatchSize}`, `${ms(pg.ms)}, ${rate(pg.mutationsPerSecond)} mut/s (server CPU ${pg.serverCpuMicrosPerMutation.toFixed(0)} µs/mut)`, '≥ 5,000 mut/s'],
    [`${r.offline.receipts.toLocaleString('en-US')} receipts queued offline, server up: first successful request → all applied`, `${ms(r.offline.firstSuccessToAllAppliedMs)} (${r.offline.requestsAfterFirstSuccess} requests; server listening → all applied ${ms(r.offline.serverUpToAllAppliedMs)})`, '≤ 300 ms'],
    [`1 % delta sync() on ${n} local records (${r.delta.changedPerRound} changed; median of ${r.delta.rounds.length}, client wall time)`, `${ms(r.delta.medianWallMs)} (${phases(r.delta.medianPhases)})`, '≤ 30 ms'],
    ...pokeRows(r.pokes),
    ['server peak RSS (push, pull, delta, pokes)', bytes(r.serverMaxRssBytes), ''],
  ];
  return table(rows);
}

function table(rows: Array<[string, string, string]>): string {
  const header: [string, string, string] = ['', 'result', 'issue 9 target'];
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => (row[col] ?? '').length)));
  const line = (row: string[]): string => `| ${row.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The poke-latency rows (also the whole table of `--only pokes`). */
export function pokeRows(p: PokeLatencyResult): Array<[string, string, string]> {
  const writer = p.writer === 'process' ? 'A in its own process' : 'A in B\'s process';
  return [
    [`A → B through ${p.transport} pokes, ${p.writes} writes, ${p.store} stores, ${writer}: from A's put resolving, p50 / p95 / max`, dist(p.fromPutResolved), 'p50 ≤ 10 ms, p95 ≤ 25 ms'],
    ['  same, from the start of A\'s put', dist(p.fromWriteStart), ''],
    ['  what started B\'s pulls', Object.entries(p.readerTriggers).map(([k, v]) => `${k} ${v}`).join(', ') || 'none', ''],
  ];
}

/** `--only pokes`: the poke latency alone, against its own server child. */
export async function runPokesOnly(dir: string, options: WritePathOptions, log: (line: string) => void): Promise<PokeLatencyResult> {
  const server = await startWritePathServer(serverDbFile(dir, 'pokes'));
  try {
    return await runPokeLatency(server, dir, options, log);
  } finally {
    await server.stop();
  }
}

export function pokesTable(p: PokeLatencyResult): string {
  return table(pokeRows(p));
}

function phases(p: Record<string, number>): string {
  return Object.entries(p).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ');
}

function dist(d: { p50: number; p95: number; max: number }): string {
  return `${d.p50.toFixed(1)} / ${d.p95.toFixed(1)} / ${d.max.toFixed(1)} ms`;
}

function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value < 1000 ? `${value.toFixed(0)} ms` : `${(value / 1000).toFixed(2)} s`;
}

function rate(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}

function bytes(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}
