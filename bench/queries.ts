/**
 * `npm run bench -- --only queries`: local queries on 100k receipts (issue 13) — "today's receipts,
 * newest first, page of 50" and "product by barcode" through a declared index, against the same
 * answer from the whole view + a JavaScript filter (the ratio is what an app saves per screen); and
 * what keeping two indexes costs when records are written (pull-apply of confirmed records, ratio
 * to no index). In this process for the memory, SQLite and React Native stores (the RN store over
 * better-sqlite3 in op-sqlite's shape, as its conformance test runs it); in a Chromium page for
 * IndexedDB (queries-chromium.ts). Wall time and CPU time, side by side: see queries-workload.ts.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createMemoryStore } from '../src/index.js';
import { fromOpSqlite, openReactNativeStore, type SqlParam } from '../src/react-native.js';
import { openSqliteStore } from '../src/sqlite.js';
import type { Store } from '../src/stores/store.js';
import { runChromiumQueryBench } from './queries-chromium.js';
import { measureWorkload, QueryWorkload, RECEIPTS, type IndexWriteRow, type QueryBenchRow } from './queries-workload.js';

export type { IndexWriteRow, QueryBenchRow } from './queries-workload.js';

export interface QueryBench {
  queries: QueryBenchRow[];
  writes: IndexWriteRow[];
  /** 1-minute load average at the end of each store's run. */
  load: Record<string, number>;
  skipped?: string;
}

/** The React Native store on a better-sqlite3 connection wrapped as op-sqlite's `execute → { rows }`. */
function openReactNativeOnBetterSqlite(path: string): Promise<Store> {
  const db = new Database(path);
  const statements = new Map<string, Database.Statement>();
  const execute = async (sql: string, params: readonly SqlParam[] = []) => {
    let statement = statements.get(sql);
    if (statement === undefined) statements.set(sql, (statement = db.prepare(sql)));
    if (statement.reader) return { rows: statement.all(...params) as Array<Record<string, unknown>> };
    statement.run(...params);
    return { rows: [] };
  };
  return openReactNativeStore(fromOpSqlite({ execute, close: () => void db.close() }));
}

const processCpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

export async function runQueryBench(dir: string, log: (line: string) => void): Promise<QueryBench> {
  const opens: Array<[string, (tag: string) => Promise<Store>]> = [
    ['memory', async () => createMemoryStore()],
    ['SQLite (better-sqlite3)', (tag) => openSqliteStore(join(dir, `queries-${tag}.sqlite`))],
    ['React Native store (op-sqlite shape over better-sqlite3)', (tag) => openReactNativeOnBetterSqlite(join(dir, `queries-rn-${tag}.sqlite`))],
  ];
  const result: QueryBench = { queries: [], writes: [], load: {} };
  for (const [name, open] of opens) {
    const workload = new QueryWorkload(open);
    const { queries, write } = await measureWorkload(name, workload, processCpuMs, log);
    result.queries.push(...queries);
    result.writes.push(write);
    result.load[name] = loadavg()[0] ?? Number.NaN;
  }
  const chromium = await runChromiumQueryBench(log);
  if ('skipped' in chromium) result.skipped = `IndexedDB (Chromium) skipped: ${chromium.skipped}`;
  else {
    result.queries.push(...chromium.queries);
    result.writes.push(chromium.write);
    result.load[chromium.write.store] = loadavg()[0] ?? Number.NaN;
  }
  return result;
}

export function queryBenchTables(result: QueryBench): string {
  const load = (store: string) => (result.load[store] ?? Number.NaN).toFixed(1);
  const q = result.queries.map(
    (r) => `| ${r.store} | ${r.query} | ${r.indexedMs.toFixed(3)} | ${r.scanMs.toFixed(1)} | ${r.ratio.toFixed(0)}× | ${r.indexedCpuMs.toFixed(3)} | ${r.scanCpuMs.toFixed(1)} | ${r.cpuRatio.toFixed(0)}× | ${load(r.store)} |`,
  );
  const w = result.writes.map((r) => `| ${r.store} | ${r.plainMs.toFixed(0)} | ${r.indexedMs.toFixed(0)} | ${r.ratio.toFixed(2)} | ${r.plainCpuMs.toFixed(0)} | ${r.indexedCpuMs.toFixed(0)} | ${r.cpuRatio.toFixed(2)} | ${load(r.store)} |`);
  return [
    '| store | query | indexed ms/query | list()+filter ms | ratio | indexed CPU ms/query | list()+filter CPU ms | CPU ratio | load |',
    '|---|---|---|---|---|---|---|---|---|',
    ...q,
    '',
    `| store | write ${RECEIPTS.toLocaleString('en-US')} receipts, no index, ms | with two indexes, ms | ratio | CPU ms, no index | CPU ms, two indexes | CPU ratio | load |`,
    '|---|---|---|---|---|---|---|---|',
    ...w,
    ...(result.skipped === undefined ? [] : ['', result.skipped]),
  ].join('\n');
}
