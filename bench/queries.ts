/**
 * `npm run bench -- --only queries`: local queries on 100k receipts (issue 13), in process, for the
 * memory and SQLite stores: "today's receipts, newest first, page of 50" and "product by barcode"
 * through a declared index, against the same answer from the whole view + a JavaScript filter (the
 * ratio is what an app saves per screen); and what keeping two indexes costs when records are
 * written (pull-apply of confirmed records, ratio to no index).
 */
import { join } from 'node:path';
import { createMemoryStore } from '../src/index.js';
import { openSqliteStore } from '../src/sqlite.js';
import { writeConfirmedAll } from '../src/core/local-view.js';
import { listView } from '../src/core/local-view.js';
import { LocalQueries } from '../src/core/query-host.js';
import { withQueryIndexes } from '../src/core/query-store.js';
import type { Query } from '../src/core/query-types.js';
import type { Change } from '../src/protocol/wire.js';
import type { Store } from '../src/stores/store.js';

export interface QueryBenchRow {
  store: string;
  query: string;
  /** Median per indexed query, ms. */
  indexedMs: number;
  /** Median per list() + filter, ms. */
  scanMs: number;
  ratio: number;
}

export interface IndexWriteRow {
  store: string;
  /** Writing all receipts with no index, ms. */
  plainMs: number;
  /** The same with two indexes kept, ms. */
  indexedMs: number;
  ratio: number;
}

const RECEIPTS = 100_000;
const PRODUCTS = 10_000;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 3, 18);
const INDEXES = { receipts: ['issuedAt', 'status'], products: ['barcode'] };
const CHUNK = 2_000;

function receipts(): Change[] {
  // 100 days of receipts, 1000 a day, newest last; today's start at NOW - DAY.
  return Array.from({ length: RECEIPTS }, (_, i) => ({
    collection: 'receipts',
    key: `r${String(i).padStart(7, '0')}`,
    version: i + 1,
    value: { issuedAt: NOW - 100 * DAY + Math.floor((i * 100 * DAY) / RECEIPTS), status: i % 5 === 0 ? 'open' : 'registered', total: (i * 37) % 10_000 },
  }));
}

function products(): Change[] {
  return Array.from({ length: PRODUCTS }, (_, i) => ({
    collection: 'products',
    key: `p${i}`,
    version: RECEIPTS + i + 1,
    value: { name: `Product ${i}`, barcode: String(4_000_000_000_000 + i * 7919), price: i % 500 },
  }));
}

async function fill(store: Store, changes: Change[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < changes.length; i += CHUNK) await store.write((tx) => writeConfirmedAll(tx, changes.slice(i, i + CHUNK)));
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function time(rounds: number, fn: () => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    await fn();
    ms.push(performance.now() - started);
  }
  return median(ms);
}

const TODAY: Query = { where: { issuedAt: { gte: NOW - DAY } }, orderBy: { field: 'issuedAt', direction: 'desc' }, limit: 50 };
const barcode = String(4_000_000_000_000 + 4321 * 7919);
const BY_BARCODE: Query = { where: { barcode }, limit: 1 };

async function listFilter(store: Store, collection: string, keep: (v: Record<string, unknown>) => boolean, sort?: (a: Record<string, unknown>, b: Record<string, unknown>) => number, limit = 50) {
  const rows = (await store.read((tx) => listView(tx, collection))).filter((r) => keep(r.value));
  if (sort !== undefined) rows.sort((a, b) => sort(a.value, b.value));
  return rows.slice(0, limit);
}

export async function runQueryBench(dir: string, log: (line: string) => void): Promise<{ queries: QueryBenchRow[]; writes: IndexWriteRow[] }> {
  const opens: Array<[string, (tag: string) => Promise<Store>]> = [
    ['memory', async () => createMemoryStore()],
    ['SQLite (better-sqlite3)', (tag) => openSqliteStore(join(dir, `queries-${tag}.sqlite`))],
  ];
  const data = receipts();
  const queries: QueryBenchRow[] = [];
  const writes: IndexWriteRow[] = [];
  for (const [name, open] of opens) {
    log(`queries: ${name}, writing ${RECEIPTS} receipts without an index`);
    const plainStore = await open('plain');
    const plainMs = await fill(plainStore, data);
    await plainStore.close();
    log(`queries: ${name}, writing ${RECEIPTS} receipts keeping two indexes`);
    const engine = new LocalQueries(INDEXES);
    const store = withQueryIndexes(await open('indexed'), INDEXES);
    const indexedMs = await fill(store, data);
    writes.push({ store: name, plainMs, indexedMs, ratio: indexedMs / plainMs });
    await fill(store, products());
    // The first query of a collection checks the index definitions (one write): not timed.
    const today = await engine.run(store, 'receipts', TODAY);
    const found = await engine.run(store, 'products', BY_BARCODE);
    if (today.records.length !== 50 || found.records.length !== 1) throw new Error(`queries bench: unexpected answers (${today.records.length}, ${found.records.length})`);
    log(`queries: ${name}, timing`);
    const cut = NOW - DAY;
    const todayScan = await time(2, () => listFilter(store, 'receipts', (v) => (v['issuedAt'] as number) >= cut, (a, b) => (b['issuedAt'] as number) - (a['issuedAt'] as number)));
    const todayIndexed = await time(50, () => engine.run(store, 'receipts', TODAY));
    queries.push({ store: name, query: "today's receipts, newest first, page of 50", indexedMs: todayIndexed, scanMs: todayScan, ratio: todayScan / todayIndexed });
    const barcodeScan = await time(2, () => listFilter(store, 'products', (v) => v['barcode'] === barcode, undefined, 1));
    const barcodeIndexed = await time(50, () => engine.run(store, 'products', BY_BARCODE));
    queries.push({ store: name, query: `product by barcode (of ${PRODUCTS.toLocaleString('en-US')})`, indexedMs: barcodeIndexed, scanMs: barcodeScan, ratio: barcodeScan / barcodeIndexed });
    await store.close();
  }
  return { queries, writes };
}

export function queryBenchTables(result: { queries: QueryBenchRow[]; writes: IndexWriteRow[] }): string {
  const q = result.queries.map((r) => `| ${r.store} | ${r.query} | ${r.indexedMs.toFixed(3)} | ${r.scanMs.toFixed(1)} | ${r.ratio.toFixed(0)}× |`);
  const w = result.writes.map((r) => `| ${r.store} | ${r.plainMs.toFixed(0)} | ${r.indexedMs.toFixed(0)} | ${r.ratio.toFixed(2)} |`);
  return [
    '| store | query | indexed ms/query | list()+filter ms | ratio |',
    '|---|---|---|---|---|',
    ...q,
    '',
    `| store | write ${RECEIPTS.toLocaleString('en-US')} receipts, no index, ms | with two indexes, ms | ratio |`,
    '|---|---|---|---|',
    ...w,
  ].join('\n');
}
