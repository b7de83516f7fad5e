/**
 * Shared parts of the write-path bench: its options (every knob a step of issue 9 may change is one,
 * so a single run can measure each step), the server child, and clients built only from public API.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createClient, createHttpTransport, defaultPlan, type HttpTransportOptions, type SynclineClient, type Transport } from '../src/index.js';
import { openSqliteStore } from '../src/sqlite.js';
import { createMemoryStore } from '../src/index.js';
import { receiptMutators } from '../src/receipts.js';
import type { ClientOptions } from '../src/index.js';
import { startChild } from './children.js';

export interface WritePathOptions {
  /** Records pushed, pulled back and held for the delta sync (issue 9: 10,000). */
  records: number;
  /** Client pushBatchSize; undefined = the client's default. */
  pushBatchSize: number | undefined;
  /** `compression.requests` of every client transport; undefined = the transport's default. */
  compressRequests: boolean | undefined;
  /** Concurrent clients of the PostgreSQL push, all in one scope (issue 9: 10). */
  pgClients: number;
  /**
   * Puts they push in all. Apart from `records` because, one commit per mutation and each waiting for
   * fsync, PostgreSQL with synchronous_commit on runs at the disk's flush rate before group commit.
   */
  pgMutations: number;
  /** Receipts queued offline before the server comes up (issue 9: 1,000). */
  offlineReceipts: number;
  /** Delta syncs of 1 % each; the median is reported. */
  deltaRounds: number;
  /** Writes timed from client A to client B through pokes (issue 9: 200). */
  pokeWrites: number;
  /** Store of the two poke clients: memory isolates the sync path, sqlite adds a till's local commit. */
  pokeStore: 'memory' | 'sqlite';
  /** How the server pokes client B. */
  pokeTransport: 'sse' | 'websocket';
  /** Client A in a process of its own (two devices) or in B's process (one event loop for both). */
  pokeWriter: 'process' | 'inline';
}

/** The defaults for a run; an override left undefined keeps the default. */
export function writePathOptions(quick: boolean, overrides: { [K in keyof WritePathOptions]?: WritePathOptions[K] | undefined }): WritePathOptions {
  const defaults: WritePathOptions = {
    records: quick ? 2_000 : 10_000,
    pushBatchSize: undefined,
    compressRequests: undefined,
    pgClients: 10,
    pgMutations: quick ? 1_000 : 5_000,
    offlineReceipts: quick ? 200 : 1_000,
    deltaRounds: quick ? 3 : 5,
    pokeWrites: quick ? 50 : 200,
    pokeStore: 'memory',
    pokeTransport: 'sse',
    pokeWriter: 'process',
  };
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...defaults, ...defined };
}

/** The pushBatchSize a client built with these options uses. */
export function effectivePushBatchSize(options: WritePathOptions): number {
  return options.pushBatchSize ?? defaultPlan.pushBatchSize;
}

export function describeRequestCompression(options: WritePathOptions): string {
  return options.compressRequests === undefined ? 'transport default' : options.compressRequests ? 'on' : 'off';
}

export interface BenchServer {
  url: string;
  /** CPU time (user + system) the server process has used so far, µs. */
  cpuMicros(): Promise<number>;
  /** Stop it; resolves with its peak RSS in bytes. */
  stop(): Promise<number>;
}

/** A write-path-server.ts child on a SQLite file or PostgreSQL URL (optionally on a fixed port). */
export async function startWritePathServer(db: string, port?: number): Promise<BenchServer> {
  const child = startChild('write-path-server.ts', ['--db', db, ...(port === undefined ? [] : ['--port', String(port)])]);
  const { url } = await child.next<{ url: string }>();
  let stopped: Promise<number> | undefined;
  return {
    url,
    async cpuMicros() {
      child.send('cpu');
      return (await child.next<{ cpuMicros: number }>()).cpuMicros;
    },
    stop() {
      stopped ??= (async () => {
        child.send('stop');
        const { maxRssBytes } = await child.next<{ maxRssBytes: number }>();
        await child.exited;
        return maxRssBytes;
      })();
      return stopped;
    },
  };
}

/** A scope nobody else in this run writes to (the server takes the token as the scope). */
export function freshScope(label: string): string {
  return `${label}-${randomBytes(3).toString('hex')}`;
}

export function benchTransport(url: string, scope: string, options: WritePathOptions, wrap?: (t: Transport) => Transport): Transport {
  const http: HttpTransportOptions = { url, token: scope };
  if (options.compressRequests !== undefined) http.compression = { requests: options.compressRequests };
  const transport = createHttpTransport(http);
  return wrap === undefined ? transport : wrap(transport);
}

export interface BenchClientSpec {
  url: string;
  scope: string;
  /** A SQLite file in `dir`, or memory. */
  store: { sqlite: string } | 'memory';
  extra?: Partial<ClientOptions>;
  wrap?: (t: Transport) => Transport;
}

/** A client with the bench's knobs applied; autoSync off unless `extra` turns it on. */
export async function benchClient(spec: BenchClientSpec, options: WritePathOptions): Promise<{ client: SynclineClient; transport: Transport }> {
  const transport = benchTransport(spec.url, spec.scope, options, spec.wrap);
  const store = spec.store === 'memory' ? createMemoryStore() : await openSqliteStore(spec.store.sqlite);
  const client = await createClient({
    store,
    transport,
    autoSync: false,
    mutators: receiptMutators,
    // A slow request is a result to report, not a failure: PostgreSQL with synchronous_commit on
    // and one commit per mutation runs at the disk's fsync rate, and batches queue on the scope lock.
    requestTimeoutMs: 600_000,
    ...(options.pushBatchSize === undefined ? {} : { pushBatchSize: options.pushBatchSize }),
    ...spec.extra,
  });
  return { client, transport };
}

export async function closeClient(c: { client: SynclineClient; transport: Transport }): Promise<void> {
  await c.client.close();
  await c.transport.close?.();
}

/** A note of roughly the size of a small business record (~150 bytes of JSON). */
export function noteValue(i: number, revision: number): { text: string; n: number; revision: number; tags: string[]; amount: string } {
  return { text: `note ${i}: a line of text standing in for a business record`, n: i, revision, tags: ['bench', `r${revision}`], amount: `${i % 100}.${String(i % 97).padStart(2, '0')}` };
}

export function noteKey(i: number): string {
  return `note-${String(i).padStart(6, '0')}`;
}

export function storeFile(dir: string, name: string): { sqlite: string } {
  return { sqlite: join(dir, `${name}.sqlite`) };
}

export function serverDbFile(dir: string, name: string): string {
  return join(dir, `${name}.db`);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? Number.NaN;
}
