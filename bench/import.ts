/**
 * `npm run bench -- --only import`: bulk import (`server.importRecords`) of 100k records into a fresh
 * scope, batches of 5,000, durable on both backends — SQLite `synchronous = FULL` (fsync per commit),
 * PostgreSQL `fsync = on`, `synchronous_commit = on`. Before it, the only server-side write path was
 * a named mutation: 1.1 ms per record on SQLite, 3.2 ms on PostgreSQL (issue 12).
 */
import { join } from 'node:path';
import { createSyncServer, type ImportResult } from '../src/server.js';
import { findPostgresBindir, startLocalCluster } from '../test/helpers/postgres-cluster.js';

export interface ImportBenchRow {
  backend: 'SQLite' | 'PostgreSQL';
  records: number;
  seconds: number;
  recordsPerSecond: number;
  /** Process CPU (user + system) per record: the figure to compare on a shared machine. */
  cpuMicrosPerRecord: number;
  transactions: number;
}

export interface ImportBench {
  rows: ImportBenchRow[];
  skipped?: string;
}

function* catalogue(count: number): Generator<{ key: string; value: Record<string, string | number | string[]> }> {
  for (let i = 1; i <= count; i += 1) {
    yield { key: `sku-${String(i).padStart(7, '0')}`, value: { name: `Product ${i}`, price: Math.round(i * 37) / 100, vat: '22', tags: i % 3 === 0 ? ['sale'] : [], stock: i % 97 } };
  }
}

async function measure(backend: ImportBenchRow['backend'], database: { sqlite: string } | { postgres: string }, records: number): Promise<ImportBenchRow> {
  const server = createSyncServer({ database, auth: () => null, durability: 'durable' });
  try {
    await server.ready();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result: ImportResult = await server.importRecords('bench', catalogue(records), { collection: 'products', importId: 'bench' });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return {
      backend,
      records: result.imported,
      seconds,
      recordsPerSecond: Math.round(result.imported / seconds),
      cpuMicrosPerRecord: Math.round((used.user + used.system) / result.imported),
      transactions: result.transactions,
    };
  } finally {
    await server.close();
  }
}

export async function runImportBench(dir: string, records: number, log: (line: string) => void): Promise<ImportBench> {
  log(`import: ${records} records into SQLite (durable)`);
  const rows = [await measure('SQLite', { sqlite: join(dir, 'import-bench.db') }, records)];
  const bindir = findPostgresBindir();
  if (bindir === undefined) return { rows, skipped: 'no PostgreSQL binaries (initdb/pg_ctl) on this machine' };
  log(`import: ${records} records into PostgreSQL (durable)`);
  const cluster = await startLocalCluster(bindir, { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on' });
  try {
    rows.push(await measure('PostgreSQL', { postgres: cluster.url }, records));
  } finally {
    await cluster.stop();
  }
  return { rows };
}

export function importTable(bench: ImportBench): string {
  const lines = ['| backend | records | seconds | records/s | CPU µs/record | transactions |', '|---|---|---|---|---|---|'];
  for (const r of bench.rows) {
    lines.push(`| ${r.backend} | ${r.records.toLocaleString('en-US')} | ${r.seconds.toFixed(2)} | ${r.recordsPerSecond.toLocaleString('en-US')} | ${r.cpuMicrosPerRecord} | ${r.transactions} |`);
  }
  return lines.join('\n') + (bench.skipped === undefined ? '' : `\nPostgreSQL skipped: ${bench.skipped}`);
}
