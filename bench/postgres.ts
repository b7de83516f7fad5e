/**
 * SQLite vs PostgreSQL server throughput, each server in its own process on loopback HTTP:
 * - push: C concurrent clients (1, 10, 100) each sending one-mutation requests, all in one scope
 *   (they queue on the scope's row lock) or each in its own scope (they do not);
 * - pull: R concurrent readers each pulling a whole seeded scope in pages.
 * PostgreSQL comes from SYNCLINE_PG_URL (a fresh database is created there) or a throwaway local
 * cluster; without either the section is skipped with the reason.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { PROTOCOL_VERSION, type Mutation, type PullResponse } from '../src/protocol/wire.js';
import { findPostgresBindir, startLocalCluster } from '../test/helpers/postgres-cluster.js';
import { startChild } from './children.js';

export interface PushRun {
  clients: number;
  scopes: 'one shared' | 'one each';
  mutations: number;
  ms: number;
  perSecond: number;
}

export interface PullRun {
  readers: number;
  records: number;
  requests: number;
  ms: number;
  recordsPerSecond: number;
}

export interface BackendResult {
  backend: 'SQLite' | 'PostgreSQL';
  push: PushRun[];
  pull: PullRun[];
  serverMaxRssBytes: number;
}

export interface BackendComparison {
  results: BackendResult[];
  /** Why PostgreSQL is missing from `results`, if it is. */
  skipped?: string;
  postgresSettings: string;
}

const CLIENT_COUNTS = [1, 10, 100];
const READER_COUNTS = [1, 10];
const PULL_PAGE = 500;
/** Like SQLite's WAL + synchronous=NORMAL: durable across a process crash, commits do not wait for fsync. */
const POSTGRES_SETTINGS = { fsync: 'on', synchronous_commit: 'off', full_page_writes: 'on', max_connections: '200' };

export async function runBackendComparison(dir: string, quick: boolean, log: (line: string) => void): Promise<BackendComparison> {
  const sizes = { pushMutations: quick ? 500 : 3000, pullRecords: quick ? 2000 : 10_000 };
  const postgresSettings = `synchronous_commit=off, fsync=on, server pool of 10 connections`;
  const results: BackendResult[] = [];
  log('backends: SQLite');
  results.push(await measureBackend('SQLite', join(dir, 'backend-compare.db'), sizes, log));
  const postgres = await openPostgres();
  if ('skipped' in postgres) {
    log(`backends: PostgreSQL skipped — ${postgres.skipped}`);
    return { results, skipped: postgres.skipped, postgresSettings };
  }
  try {
    log('backends: PostgreSQL');
    results.push(await measureBackend('PostgreSQL', postgres.url, sizes, log));
  } finally {
    await postgres.close();
  }
  return { results, postgresSettings };
}

async function measureBackend(
  backend: BackendResult['backend'],
  db: string,
  sizes: { pushMutations: number; pullRecords: number },
  log: (line: string) => void,
): Promise<BackendResult> {
  const child = startChild('postgres-server.ts', ['--db', db]);
  const { url } = await child.next<{ url: string }>();
  const stop = async (): Promise<number> => {
    child.send('stop');
    const { maxRssBytes } = await child.next<{ maxRssBytes: number }>();
    await child.exited;
    return maxRssBytes;
  };
  try {
    const push: PushRun[] = [];
    for (const scopes of ['one shared', 'one each'] as const) {
      for (const clients of CLIENT_COUNTS) {
        log(`  push: ${clients} clients, ${scopes} scope`);
        push.push(await pushRun(url, clients, scopes, sizes.pushMutations));
      }
    }
    log(`  seeding ${sizes.pullRecords} records for pull`);
    await seed(url, 'pull-scope', sizes.pullRecords);
    const pull: PullRun[] = [];
    for (const readers of READER_COUNTS) {
      log(`  pull: ${readers} readers`);
      pull.push(await pullRun(url, 'pull-scope', readers));
    }
    return { backend, push, pull, serverMaxRssBytes: await stop() };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

async function pushRun(url: string, clients: number, scopes: PushRun['scopes'], total: number): Promise<PushRun> {
  const perClient = Math.ceil(total / clients);
  const run = randomBytes(3).toString('hex');
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const clientId = `bench-${run}-${String(c).padStart(3, '0')}`;
      const scope = scopes === 'one shared' ? `push-${run}` : `push-${run}-${c}`;
      for (let id = 1; id <= perClient; id += 1) await push(url, scope, clientId, [note(id, `${clientId}-${id}`)]);
    }),
  );
  const ms = performance.now() - started;
  const mutations = perClient * clients;
  return { clients, scopes, mutations, ms, perSecond: (mutations * 1000) / ms };
}

async function seed(url: string, scope: string, records: number): Promise<void> {
  const clientId = `bench-seed-${randomBytes(3).toString('hex')}`;
  for (let offset = 0; offset < records; offset += 1000) {
    const size = Math.min(1000, records - offset);
    await push(url, scope, clientId, Array.from({ length: size }, (_, i) => note(offset + i + 1, `seed-${offset + i}`)));
  }
}

async function pullRun(url: string, scope: string, readers: number): Promise<PullRun> {
  const started = performance.now();
  const perReader = await Promise.all(
    Array.from({ length: readers }, async (_, r) => {
      let cursor = 0;
      let records = 0;
      let requests = 0;
      for (;;) {
        const page = await pull(url, scope, `bench-reader-${r}-x`, cursor);
        records += page.changes.length;
        requests += 1;
        cursor = page.cursor;
        if (!page.hasMore) return { records, requests };
      }
    }),
  );
  const ms = performance.now() - started;
  const records = perReader.reduce((sum, r) => sum + r.records, 0);
  const requests = perReader.reduce((sum, r) => sum + r.requests, 0);
  return { readers, records, requests, ms, recordsPerSecond: (records * 1000) / ms };
}

function note(id: number, key: string): Mutation {
  return { id, name: 'put', args: { collection: 'notes', key, value: { text: `note ${key}`, n: id }, baseVersion: null }, createdAt: Date.now() };
}

async function push(url: string, scope: string, clientId: string, mutations: Mutation[]): Promise<void> {
  const response = await post(url, '/v1/push', scope, { v: PROTOCOL_VERSION, clientId, mutations });
  if (!response.ok) throw new Error(`push failed with HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
  await response.arrayBuffer();
}

async function pull(url: string, scope: string, clientId: string, cursor: number): Promise<PullResponse> {
  const response = await post(url, '/v1/pull', scope, { v: PROTOCOL_VERSION, clientId, cursor, limit: PULL_PAGE });
  if (!response.ok) throw new Error(`pull failed with HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return (await response.json()) as PullResponse;
}

function post(url: string, path: string, scope: string, body: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${scope}` },
    body: JSON.stringify(body),
  });
}

/**
 * A fresh database on SYNCLINE_PG_URL's server (whose settings are its own), or on a throwaway local
 * cluster started with `settings`.
 */
export async function openPostgres(settings: Record<string, string> = POSTGRES_SETTINGS): Promise<{ url: string; close(): Promise<void> } | { skipped: string }> {
  const shared = process.env.SYNCLINE_PG_URL;
  if (shared !== undefined && shared !== '') return freshDatabase(shared, async () => {});
  const bindir = findPostgresBindir();
  if (bindir === undefined) return { skipped: 'no PostgreSQL (set SYNCLINE_PG_URL or install the postgresql package)' };
  const cluster = await startLocalCluster(bindir, settings);
  return freshDatabase(cluster.url, cluster.stop);
}

async function freshDatabase(adminUrl: string, stopServer: () => Promise<void>): Promise<{ url: string; close(): Promise<void> }> {
  const name = `syncline_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (statement: string): Promise<void> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async close() {
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await stopServer();
    },
  };
}

/** The comparison as one table: a row per scenario, a column per backend. */
export function backendTable(comparison: BackendComparison): string {
  const { results } = comparison;
  const first = results[0];
  if (first === undefined) return '(no results)';
  const rows: string[][] = [];
  first.push.forEach((run, i) => {
    rows.push([`push: ${run.clients} client${run.clients === 1 ? '' : 's'}, ${run.scopes} scope (mutations/s)`, ...results.map((r) => rate(r.push[i]?.perSecond))]);
  });
  first.pull.forEach((run, i) => {
    rows.push([`pull: ${run.readers} reader${run.readers === 1 ? '' : 's'} × ${run.records / run.readers} records (records/s)`, ...results.map((r) => rate(r.pull[i]?.recordsPerSecond))]);
  });
  rows.push(['server peak RSS', ...results.map((r) => `${(r.serverMaxRssBytes / 1024 / 1024).toFixed(1)} MiB`)]);
  const header = ['', ...results.map((r) => r.backend)];
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => (row[col] ?? '').length)));
  const line = (row: string[]): string => `| ${row.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function rate(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? 'n/a' : Math.round(n).toLocaleString('en-US');
}
