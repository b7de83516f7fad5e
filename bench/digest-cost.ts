/**
 * Server-side cost of the convergence digest, measured directly on a seeded SQLite database.
 *
 * The digest is maintained inside every record write (`updateDigest`, called by `writeRecord`), so
 * push throughput with and without it cannot be compared without changing the server. Instead we
 * time the pieces: `backfillDigests` over all rows (the from-scratch cost), `readDigests` (what the
 * pull's last page adds), and `updateDigest` alone in one transaction (the per-write increment).
 */
import { migrateToLatest, openSqliteDatabase } from '../src/server.js';
import { backfillDigests, readDigests, updateDigest } from '../src/server/digest-storage.js';

/** Per-write increments timed; they go to a scope of their own, so the seeded scope is untouched. */
const UPDATE_WRITES = 10_000;
const READ_REPEATS = 20;

export interface ServerDigestCost {
  rows: number;
  backfillMs: number;
  readDigestsMs: number;
  updateDigestWrites: number;
  updateDigestUsPerWrite: number;
}

export async function measureServerDigestCost(dbPath: string, scope: string): Promise<ServerDigestCost> {
  const db = openSqliteDatabase(dbPath);
  try {
    await migrateToLatest(db);
    const { rows } = await db.selectFrom('records').select((eb) => eb.fn.countAll<number>().as('rows')).executeTakeFirstOrThrow();

    let started = performance.now();
    await db.transaction().execute((trx) => backfillDigests(trx));
    const backfillMs = performance.now() - started;

    const reads: number[] = [];
    for (let i = 0; i < READ_REPEATS; i += 1) {
      started = performance.now();
      await readDigests(db, scope);
      reads.push(performance.now() - started);
    }

    started = performance.now();
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < UPDATE_WRITES; i += 1) await updateDigest(trx, 'bench-digest-writes', 'receipts', `k-${i}`, undefined, i + 1);
    });
    const updateMs = performance.now() - started;
    return {
      rows: Number(rows),
      backfillMs,
      readDigestsMs: median(reads),
      updateDigestWrites: UPDATE_WRITES,
      updateDigestUsPerWrite: (updateMs * 1000) / UPDATE_WRITES,
    };
  } finally {
    await db.destroy();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
