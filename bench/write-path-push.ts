/**
 * Write path, throughput half: N generic puts pushed by one client to a SQLite server (with the
 * server's CPU per mutation), the same N pulled back by a fresh client, 1 % delta syncs of the
 * client that holds them, and 10 concurrent clients pushing to PostgreSQL with synchronous_commit on.
 */
import pg from 'pg';
import type { SynclineClient } from '../src/index.js';
import { openPostgres } from './postgres.js';
import {
  benchClient, closeClient, freshScope, median, noteKey, noteValue, startWritePathServer, storeFile,
  type BenchServer, type WritePathOptions,
} from './write-path-setup.js';

export interface PushResult {
  records: number;
  pushBatchSize: number;
  queueMs: number;
  pushMs: number;
  mutationsPerSecond: number;
  pushRequests: number;
  bytesUp: number;
  serverCpuMicrosPerMutation: number;
  pullMs: number;
  pullRequests: number;
  pulledChanges: number;
  bytesDown: number;
  pushOverPull: number;
}

export interface DeltaResult {
  records: number;
  changedPerRound: number;
  rounds: Array<{ wallMs: number; cycleMs: number; pulledChanges: number; requests: number; phases: Record<string, number> }>;
  medianWallMs: number;
  /** Phases of the round with the median wall time. */
  medianPhases: Record<string, number>;
}

export interface PostgresPushResult {
  clients: number;
  mutations: number;
  pushBatchSize: number;
  ms: number;
  mutationsPerSecond: number;
  serverCpuMicrosPerMutation: number;
  /** What `SHOW synchronous_commit` answered on the bench database. */
  synchronousCommit: string;
}

/** Push N, pull them back into a fresh client, then time 1 % delta syncs of that client. */
export async function runPushPullDelta(server: BenchServer, dir: string, options: WritePathOptions, log: (line: string) => void): Promise<{ push: PushResult; delta: DeltaResult }> {
  const scope = freshScope('write-path');
  const writer = await benchClient({ url: server.url, scope, store: storeFile(dir, 'wp-writer') }, options);
  const reader = await benchClient({ url: server.url, scope, store: storeFile(dir, 'wp-reader') }, options);
  try {
    const notes = writer.client.collection('notes');
    log(`  write path: queueing ${options.records} puts`);
    let started = performance.now();
    for (let i = 0; i < options.records; i += 1) await notes.put(noteKey(i), noteValue(i, 0));
    const queueMs = performance.now() - started;

    log(`  write path: pushing ${options.records} puts`);
    const cpuBefore = await server.cpuMicros();
    started = performance.now();
    const pushed = await writer.client.sync({ direction: 'push' });
    const pushMs = performance.now() - started;
    const serverCpu = (await server.cpuMicros()) - cpuBefore;
    if (pushed.outcome !== 'completed' || pushed.pushed.applied !== options.records) {
      throw new Error(`write path: the push ended ${pushed.outcome} with ${pushed.pushed.applied} of ${options.records} applied (${pushed.error?.message ?? 'no error'}).`);
    }

    log('  write path: pulling them back into a fresh client');
    started = performance.now();
    const pulled = await reader.client.sync();
    const pullMs = performance.now() - started;
    if (pulled.pulled.changes < options.records) throw new Error(`write path: the fresh client pulled ${pulled.pulled.changes} of ${options.records} records.`);

    const push: PushResult = {
      records: options.records,
      pushBatchSize: pushed.plan.pushBatchSize,
      queueMs,
      pushMs,
      mutationsPerSecond: (options.records * 1000) / pushMs,
      pushRequests: pushed.pushed.requests,
      bytesUp: pushed.bytesUp,
      serverCpuMicrosPerMutation: serverCpu / options.records,
      pullMs,
      pullRequests: pulled.pulled.requests,
      pulledChanges: pulled.pulled.changes,
      bytesDown: pulled.bytesDown,
      pushOverPull: pushMs / pullMs,
    };
    const delta = await deltaRounds(writer.client, reader.client, options, log);
    return { push, delta };
  } finally {
    await closeClient(writer);
    await closeClient(reader);
  }
}

async function deltaRounds(writer: SynclineClient, reader: SynclineClient, options: WritePathOptions, log: (line: string) => void): Promise<DeltaResult> {
  const changed = Math.max(1, Math.floor(options.records / 100));
  const rounds: DeltaResult['rounds'] = [];
  for (let round = 1; round <= options.deltaRounds; round += 1) {
    log(`  write path: delta sync ${round}/${options.deltaRounds} (${changed} of ${options.records} changed)`);
    // Spread over the key range, and a different slice each round.
    for (let j = 0; j < changed; j += 1) {
      const i = (j * 100 + round) % options.records;
      await writer.collection('notes').put(noteKey(i), noteValue(i, round));
    }
    const pushed = await writer.sync({ direction: 'push' });
    if (pushed.pushed.applied !== changed) throw new Error(`write path: delta round ${round} pushed ${pushed.pushed.applied} of ${changed}.`);
    const started = performance.now();
    const result = await reader.sync();
    const wallMs = performance.now() - started;
    const phases = Object.fromEntries(Object.entries(result.phases).filter((e): e is [string, number] => e[1] !== undefined));
    rounds.push({ wallMs, cycleMs: result.durationMs, pulledChanges: result.pulled.changes, requests: result.requests, phases });
  }
  const medianWallMs = median(rounds.map((r) => r.wallMs));
  return { records: options.records, changedPerRound: changed, rounds, medianWallMs, medianPhases: rounds.find((r) => r.wallMs === medianWallMs)?.phases ?? {} };
}

const DURABLE_POSTGRES = { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on', max_connections: '200' };

/** `clients` clients in one scope, each pushing its share of N puts in batches, all at once. */
export async function runPostgresPush(options: WritePathOptions, log: (line: string) => void): Promise<PostgresPushResult | { skipped: string }> {
  const postgres = await openPostgres(DURABLE_POSTGRES);
  if ('skipped' in postgres) return postgres;
  try {
    const synchronousCommit = await showSetting(postgres.url, 'synchronous_commit');
    const server = await startWritePathServer(postgres.url);
    const scope = freshScope('write-path-pg');
    const perClient = Math.ceil(options.pgMutations / options.pgClients);
    const clients = await Promise.all(Array.from({ length: options.pgClients }, () => benchClient({ url: server.url, scope, store: 'memory' }, options)));
    try {
      log(`  write path: PostgreSQL, ${options.pgClients} clients queueing ${perClient} puts each`);
      await Promise.all(clients.map(async ({ client }, c) => {
        for (let i = 0; i < perClient; i += 1) await client.collection('notes').put(noteKey(c * perClient + i), noteValue(i, 0));
      }));
      log('  write path: PostgreSQL, pushing concurrently');
      const cpuBefore = await server.cpuMicros();
      const started = performance.now();
      const results = await Promise.all(clients.map(({ client }) => client.sync({ direction: 'push' })));
      const ms = performance.now() - started;
      const serverCpu = (await server.cpuMicros()) - cpuBefore;
      const applied = results.reduce((sum, r) => sum + r.pushed.applied, 0);
      if (applied !== perClient * options.pgClients) throw new Error(`write path: PostgreSQL push applied ${applied} of ${perClient * options.pgClients}.`);
      return {
        clients: options.pgClients,
        mutations: applied,
        pushBatchSize: results[0]?.plan.pushBatchSize ?? Number.NaN,
        ms,
        mutationsPerSecond: (applied * 1000) / ms,
        serverCpuMicrosPerMutation: serverCpu / applied,
        synchronousCommit,
      };
    } finally {
      await Promise.all(clients.map(closeClient));
      await server.stop();
    }
  } finally {
    await postgres.close();
  }
}

async function showSetting(url: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<Record<string, string>>(`SHOW ${name}`);
    return result.rows[0]?.[name] ?? 'unknown';
  } finally {
    await client.end();
  }
}
