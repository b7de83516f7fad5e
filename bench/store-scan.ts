/**
 * `npm run bench -- --only stores`: what one full-table scan costs per record at 2k and at 20k
 * records, for every store (issue 13: a scan must not cost more per record as the store grows). The
 * IndexedDB figure is over fake-indexeddb, which is no performance reference for a browser — it
 * shows the shape (per-row round trips against pages), not Chromium's speed.
 */
import 'fake-indexeddb/auto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createMemoryStore } from '../src/index.js';
import { openIndexedDbStore } from '../src/indexeddb.js';
import { fromOpSqlite, openReactNativeStore } from '../src/react-native.js';
import { openSqliteStore } from '../src/sqlite.js';
import type { Store } from '../src/stores/store.js';

export interface StoreScanRow {
  store: string;
  /** Per-record cost of one scan of the whole table, µs, at each size. */
  microsPerRecord: Record<string, number>;
  /** Per-record cost at the largest size ÷ at the smallest: 1 means linear. */
  ratio: number;
}

const SIZES = [2_000, 20_000];

function rnDatabase(path: string) {
  const db = new Database(path, { timeout: 0 });
  return fromOpSqlite({
    execute: async (sql, params = []) => {
      const statement = db.prepare(sql);
      if (statement.reader) return { rows: statement.all(...params) as Array<Record<string, unknown>> };
      statement.run(...params);
      return { rows: [] };
    },
    close: () => void db.close(),
  });
}

async function timeScan(store: Store, records: number): Promise<number> {
  await store.write(async (tx) => {
    for (let i = 0; i < records; i++) await tx.put('records', `receipts/${String(i).padStart(8, '0')}`, { number: i, total: i * 10, status: 'paid' });
  });
  const rounds = 3;
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    const rows = await store.read((tx) => tx.scan('records', { prefix: 'receipts/' }));
    const ms = performance.now() - started;
    if (rows.length !== records) throw new Error(`scanned ${rows.length} of ${records}`);
    best = Math.min(best, ms);
  }
  await store.close();
  return (best * 1000) / records;
}

export async function runStoreScanBench(dir: string, log: (line: string) => void): Promise<StoreScanRow[]> {
  const opens: Array<[string, (size: number) => Promise<Store>]> = [
    ['memory', async () => createMemoryStore()],
    ['SQLite (better-sqlite3)', (size) => openSqliteStore(join(dir, `scan-${size}.sqlite`))],
    ['React Native store (op-sqlite shape over better-sqlite3)', (size) => openReactNativeStore(rnDatabase(join(dir, `scan-rn-${size}.sqlite`)))],
    ['IndexedDB (fake-indexeddb)', (size) => openIndexedDbStore(`scan-${size}`)],
  ];
  const rows: StoreScanRow[] = [];
  for (const [store, open] of opens) {
    const microsPerRecord: Record<string, number> = {};
    for (const size of SIZES) {
      log(`store scan: ${store}, ${size} records`);
      microsPerRecord[String(size)] = await timeScan(await open(size), size);
    }
    const first = microsPerRecord[String(SIZES[0])] ?? NaN;
    const last = microsPerRecord[String(SIZES.at(-1))] ?? NaN;
    rows.push({ store, microsPerRecord, ratio: last / first });
  }
  return rows;
}

export function storeScanTable(rows: StoreScanRow[]): string {
  const header = `| store | ${SIZES.map((s) => `µs/record at ${s.toLocaleString('en-US')}`).join(' | ')} | ratio |`;
  const lines = rows.map((r) => `| ${r.store} | ${SIZES.map((s) => (r.microsPerRecord[String(s)] ?? NaN).toFixed(2)).join(' | ')} | ${r.ratio.toFixed(2)} |`);
  return [header, `|---|${SIZES.map(() => '---|').join('')}---|`, ...lines].join('\n');
}
