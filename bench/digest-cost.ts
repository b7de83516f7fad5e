/**
 * Cost of the convergence digest, measured directly on a seeded SQLite database.
 *
 * Server: the digest is maintained inside every record write (`writeRecord` → `updateDigest`), so push
 * throughput with and without it cannot be compared without changing the server. Instead we time the
 * pieces: `backfillDigests` over all rows (the from-scratch cost: migration 0008, tools), `readDigests`
 * (what the pull's last page adds), one increment with the new value's hash (per write), and the two
 * ways to learn a replaced record's contribution — read its stored `digest_hash`, or read its value and
 * re-hash it — which is the choice behind the `digest_hash` column.
 *
 * Client (`measureClientDeltaSync`): a SQLite client holding every seeded record; another client
 * changes 1 % of them; the time of the next `sync()` (incremental verify) and of `sync({ verify:
 * 'full' })` (every record re-hashed).
 *
 * Standalone: `npx tsx bench/digest-cost.ts [records]` seeds a temporary database and prints both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type SynclineClient } from '../src/index.js';
import { recordHash } from '../src/protocol/digest.js';
import type { JsonObject } from '../src/protocol/json.js';
import { createSyncServer, migrateToLatest, openSqliteDatabase, tokenAuth } from '../src/server.js';
import { backfillDigests, readContribution, readDigests, updateDigest } from '../src/server/digest-storage.js';
import { createMemoryStore } from '../src/stores/memory-store.js';
import { openSqliteStore } from '../src/stores/sqlite-store.js';
import { createHttpTransport } from '../src/transport/http-transport.js';

/** Per-write increments timed; they go to a scope of their own, so the seeded scope is untouched. */
const UPDATE_WRITES = 10_000;
const READ_REPEATS = 20;
/** Rows whose contribution is read back both ways. */
const CONTRIBUTION_SAMPLE = 5_000;

export interface ServerDigestCost {
  rows: number;
  backfillMs: number;
  readDigestsMs: number;
  updateDigestWrites: number;
  /** Hash the new value (canonical JSON) and update the lanes row. */
  updateDigestUsPerWrite: number;
  /** Learn a replaced record's contribution from its stored `digest_hash`. */
  storedHashUsPerRead: number;
  /** Learn it by reading, parsing, canonicalising and hashing its value. */
  rehashUsPerRead: number;
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

    const sample = await db.selectFrom('records').select(['key', 'value']).where('scope', '=', scope).where('deleted', '=', 0).limit(CONTRIBUTION_SAMPLE).execute();
    const value = JSON.parse(sample[0]?.value ?? '{}') as JsonObject;
    started = performance.now();
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < UPDATE_WRITES; i += 1) await updateDigest(trx, 'bench-digest-writes', 'receipts', undefined, recordHash('receipts', `k-${i}`, i + 1, value));
    });
    const updateMs = performance.now() - started;

    const timeContributions = async (): Promise<number> => {
      const t0 = performance.now();
      await db.transaction().execute(async (trx) => {
        for (const row of sample) await readContribution(trx, scope, 'receipts', row.key);
      });
      return ((performance.now() - t0) * 1000) / Math.max(1, sample.length);
    };
    // Rows seeded directly carry no stored hash: the first pass re-hashes, then the hashes are stored.
    await db.updateTable('records').set({ digest_hash: null }).where('scope', '=', scope).execute();
    const rehashUsPerRead = await timeContributions();
    await db.transaction().execute(async (trx) => {
      for (const row of sample) {
        const [a, b] = (await readContribution(trx, scope, 'receipts', row.key)) ?? [0, 0];
        const hex = a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
        await trx.updateTable('records').set({ digest_hash: hex }).where('scope', '=', scope).where('collection', '=', 'receipts').where('key', '=', row.key).execute();
      }
    });
    const storedHashUsPerRead = await timeContributions();
    return {
      rows: Number(rows),
      backfillMs,
      readDigestsMs: median(reads),
      updateDigestWrites: UPDATE_WRITES,
      updateDigestUsPerWrite: (updateMs * 1000) / UPDATE_WRITES,
      storedHashUsPerRead,
      rehashUsPerRead,
    };
  } finally {
    await db.destroy();
  }
}

export interface ClientDeltaSyncCost {
  records: number;
  changedPerRound: number;
  rounds: number;
  initialSyncMs: number;
  /** Median over rounds: the whole `sync()` after 1 % changed, and its verify phase. */
  deltaSyncMs: number;
  deltaVerifyMs: number;
  fullSyncMs: number;
  fullVerifyMs: number;
}

/**
 * A client on a SQLite file holding the whole scope; a writer patches 1 % of the records per round.
 * The server runs in-process (its share of a 1 %-pull is small) behind the real HTTP transport.
 */
export async function measureClientDeltaSync(dbPath: string, scope: string, dir: string, rounds = 5): Promise<ClientDeltaSyncCost> {
  const server = createSyncServer({ database: { sqlite: dbPath }, auth: tokenAuth({ bench: scope }), collections: { receipts: { writable: true } } });
  const transport = () => createHttpTransport({ url: 'http://digest.bench', token: 'bench', fetch: (request) => server.fetch(request) });
  const clients: SynclineClient[] = [];
  try {
    const writer = await createClient({ store: createMemoryStore(), transport: transport(), autoSync: false, verify: false });
    clients.push(writer);
    await writer.sync();
    const client = await createClient({ store: await openSqliteStore(join(dir, 'delta-client.sqlite')), transport: transport(), autoSync: false });
    clients.push(client);
    const initial = await client.sync();
    const keys = (await writer.collection('receipts').list()).map((r) => r.key);
    const changed = Math.max(1, Math.round(keys.length / 100));
    const delta: Array<{ total: number; verify: number }> = [];
    for (let round = 0; round < rounds; round += 1) {
      for (let i = 0; i < changed; i += 1) {
        const key = keys[(round * changed + i) % keys.length] as string;
        await writer.collection('receipts').patch(key, { note: `round ${round}` });
      }
      await writer.sync();
      const result = await client.sync();
      if (result.pulled.changes !== changed) throw new Error(`digest bench: expected ${changed} changes, pulled ${result.pulled.changes}`);
      delta.push({ total: result.durationMs, verify: result.phases.verify ?? Number.NaN });
    }
    const full = await client.sync({ verify: 'full' });
    return {
      records: keys.length,
      changedPerRound: changed,
      rounds,
      initialSyncMs: initial.durationMs,
      deltaSyncMs: median(delta.map((d) => d.total)),
      deltaVerifyMs: median(delta.map((d) => d.verify)),
      fullSyncMs: full.durationMs,
      fullVerifyMs: full.phases.verify ?? Number.NaN,
    };
  } finally {
    for (const c of clients) await c.close();
    await server.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const records = Number(process.argv[2] ?? 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'syncline-digest-bench-'));
  try {
    const { seedReceiptDatabase } = await import('../test/resume/fixtures/seed-receipts.js');
    const dbPath = join(dir, 'server.sqlite');
    await seedReceiptDatabase(dbPath, 'bench-scope', records);
    const clientCost = await measureClientDeltaSync(dbPath, 'bench-scope', dir);
    process.stdout.write(`${JSON.stringify({ client: clientCost }, null, 2)}\n`);
    const serverCost = await measureServerDigestCost(dbPath, 'bench-scope');
    process.stdout.write(`${JSON.stringify({ server: serverCost }, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('digest-cost.ts')) await main();
