/**
 * The local-query bench's workload, platform-neutral so that the same code runs in Node (memory,
 * SQLite and React Native stores) and bundled in a Chromium page (IndexedDB): 100k receipts and 10k
 * products, "today's receipts, newest first, page of 50" and "product by barcode" through a declared
 * index and through `list()` + a JavaScript filter, and the write cost of keeping two indexes.
 *
 * `QueryWorkload` holds the stores and answers single operations (each returns its wall time in
 * ms); `measureWorkload` sequences them and reads a CPU clock around each — in Node the process's
 * own, for Chromium the CPU of its process tree read from /proc by the bench process — because wall
 * time on a shared machine stretches with the load.
 */
import { writeConfirmedAll } from '../src/core/local-view.js';
import { listView } from '../src/core/local-view.js';
import { LocalQueries } from '../src/core/query-host.js';
import { withQueryIndexes } from '../src/core/query-store.js';
import type { Query } from '../src/core/query-types.js';
import type { Change } from '../src/protocol/wire.js';
import type { Store } from '../src/stores/store.js';

export const RECEIPTS = 100_000;
export const PRODUCTS = 10_000;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 3, 18);
const INDEXES = { receipts: ['issuedAt', 'status'], products: ['barcode'] };
/** Records per write transaction, as a pull page would write them. */
const CHUNK = 2_000;

export const QUERY_NAMES = {
  today: "today's receipts, newest first, page of 50",
  barcode: `product by barcode (of ${PRODUCTS.toLocaleString('en-US')})`,
} as const;
export type QueryName = keyof typeof QUERY_NAMES;
export type QueryWay = 'indexed' | 'scan';

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

const TODAY: Query = { where: { issuedAt: { gte: NOW - DAY } }, orderBy: { field: 'issuedAt', direction: 'desc' }, limit: 50 };
const BARCODE = String(4_000_000_000_000 + 4321 * 7919);
const BY_BARCODE: Query = { where: { barcode: BARCODE }, limit: 1 };

type Value = Record<string, unknown>;

/** What an app without indexes does: the whole view, a filter, a sort, a page. */
async function listFilter(store: Store, collection: string, keep: (v: Value) => boolean, sort: ((a: Value, b: Value) => number) | undefined, limit: number): Promise<string[]> {
  const rows = (await store.read((tx) => listView(tx, collection))).filter((r) => keep(r.value));
  if (sort !== undefined) rows.sort((a, b) => sort(a.value, b.value));
  return rows.slice(0, limit).map((r) => r.key);
}

export class QueryWorkload {
  readonly #open: (tag: 'plain' | 'indexed') => Promise<Store>;
  readonly #data = receipts();
  readonly #engine = new LocalQueries(INDEXES);
  #store: Store | undefined;

  /** `open(tag)` opens a store on a new, empty database for that tag. */
  constructor(open: (tag: 'plain' | 'indexed') => Promise<Store>) {
    this.#open = open;
  }

  /** Writes the receipts into a store that keeps no index (closed afterwards); wall ms. */
  async fillPlain(): Promise<number> {
    const store = await this.#open('plain');
    try {
      return await fill(store, this.#data);
    } finally {
      await store.close();
    }
  }

  /**
   * Writes the receipts keeping two indexes (wall ms, the products untimed), then runs each query
   * once both ways — untimed: the first query of a collection checks the index definitions (a
   * write) — and checks that both ways give the same answer, so the ratio compares equal work.
   */
  async fillIndexed(): Promise<number> {
    const store = (this.#store = withQueryIndexes(await this.#open('indexed'), INDEXES));
    const ms = await fill(store, this.#data);
    await fill(store, products());
    for (const name of ['today', 'barcode'] as const) {
      const indexed = await this.#answer(name, 'indexed');
      const scanned = await this.#answer(name, 'scan');
      const size = name === 'today' ? 50 : 1;
      if (indexed.length !== size || JSON.stringify(indexed) !== JSON.stringify(scanned)) {
        throw new Error(`queries bench: ${name} answered ${JSON.stringify(indexed.slice(0, 3))}… (${indexed.length}) through the index and ${JSON.stringify(scanned.slice(0, 3))}… (${scanned.length}) by list() + filter`);
      }
    }
    return ms;
  }

  async #answer(name: QueryName, way: QueryWay): Promise<string[]> {
    const store = this.#store;
    if (store === undefined) throw new Error('queries bench: fillIndexed() first');
    if (way === 'indexed') return (await this.#engine.run(store, name === 'today' ? 'receipts' : 'products', name === 'today' ? TODAY : BY_BARCODE)).records.map((r) => r.key);
    if (name === 'barcode') return listFilter(store, 'products', (v) => v['barcode'] === BARCODE, undefined, 1);
    const cut = NOW - DAY;
    // Newest first, ties by key (the index's order too).
    return listFilter(store, 'receipts', (v) => (v['issuedAt'] as number) >= cut, (a, b) => (b['issuedAt'] as number) - (a['issuedAt'] as number), 50);
  }

  /** Runs one query `times` times back to back; wall ms of the whole batch. */
  async run(name: QueryName, way: QueryWay, times: number): Promise<number> {
    const started = performance.now();
    for (let i = 0; i < times; i++) await this.#answer(name, way);
    return performance.now() - started;
  }

  async close(): Promise<void> {
    await this.#store?.close();
    this.#store = undefined;
  }
}

/** The workload's operations as the measuring side calls them (directly, or into a page). */
export interface WorkloadOps {
  fillPlain(): Promise<number>;
  fillIndexed(): Promise<number>;
  run(name: QueryName, way: QueryWay, times: number): Promise<number>;
  close(): Promise<void>;
}

export interface QueryBenchRow {
  store: string;
  query: string;
  /** Median over rounds of the mean per indexed query in a round, ms (wall). */
  indexedMs: number;
  /** Median per list() + filter, ms (wall). */
  scanMs: number;
  /** scanMs / indexedMs. */
  ratio: number;
  /** CPU per query over all rounds, ms, and their ratio. */
  indexedCpuMs: number;
  scanCpuMs: number;
  cpuRatio: number;
}

export interface IndexWriteRow {
  store: string;
  /** Writing all receipts with no index, ms (wall). */
  plainMs: number;
  /** The same with two indexes kept, ms (wall). */
  indexedMs: number;
  ratio: number;
  plainCpuMs: number;
  indexedCpuMs: number;
  cpuRatio: number;
}

/** How many rounds, and queries per round: a round of indexed queries must span many CPU-clock ticks (10 ms from /proc). */
export interface MeasurePlan {
  rounds: number;
  scanRounds: number;
  batch: Record<QueryName, number>;
}

export const DEFAULT_PLAN: MeasurePlan = { rounds: 5, scanRounds: 2, batch: { today: 20, barcode: 100 } };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export async function measureWorkload(
  store: string,
  ops: WorkloadOps,
  cpuMs: () => Promise<number> | number,
  log: (line: string) => void,
  plan: MeasurePlan = DEFAULT_PLAN,
): Promise<{ queries: QueryBenchRow[]; write: IndexWriteRow }> {
  const timed = async (op: () => Promise<number>): Promise<{ wall: number; cpu: number }> => {
    const before = await cpuMs();
    const wall = await op();
    return { wall, cpu: (await cpuMs()) - before };
  };
  try {
    log(`queries: ${store}, writing ${RECEIPTS} receipts without an index`);
    const plain = await timed(() => ops.fillPlain());
    log(`queries: ${store}, writing ${RECEIPTS} receipts keeping two indexes`);
    const indexed = await timed(() => ops.fillIndexed());
    const write: IndexWriteRow = { store, plainMs: plain.wall, indexedMs: indexed.wall, ratio: indexed.wall / plain.wall, plainCpuMs: plain.cpu, indexedCpuMs: indexed.cpu, cpuRatio: indexed.cpu / plain.cpu };
    log(`queries: ${store}, timing`);
    const queries: QueryBenchRow[] = [];
    for (const name of ['today', 'barcode'] as const) {
      const scans: Array<{ wall: number; cpu: number }> = [];
      for (let r = 0; r < plan.scanRounds; r++) scans.push(await timed(() => ops.run(name, 'scan', 1)));
      const batch = plan.batch[name];
      const rounds: Array<{ wall: number; cpu: number }> = [];
      for (let r = 0; r < plan.rounds; r++) rounds.push(await timed(() => ops.run(name, 'indexed', batch)));
      const indexedMs = median(rounds.map((x) => x.wall / batch));
      const scanMs = median(scans.map((x) => x.wall));
      const indexedCpuMs = rounds.reduce((sum, x) => sum + x.cpu, 0) / (plan.rounds * batch);
      const scanCpuMs = scans.reduce((sum, x) => sum + x.cpu, 0) / plan.scanRounds;
      queries.push({ store, query: QUERY_NAMES[name], indexedMs, scanMs, ratio: scanMs / indexedMs, indexedCpuMs, scanCpuMs, cpuRatio: scanCpuMs / indexedCpuMs });
    }
    return { queries, write };
  } finally {
    await ops.close();
  }
}
