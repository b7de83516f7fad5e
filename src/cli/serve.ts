/** `syncline serve`: the reference sync server with the e-receipt domain, on a SQLite file or PostgreSQL. */
import { parseArgs } from 'node:util';
import { InvalidArgumentError, isSynclineError } from '../core/errors.js';
import type { Logger } from '../core/seams.js';
import { productsCollection, receiptHandlers } from '../receipts.js';
import { createServerMetrics, createSyncServer, serveNode, tokenAuth } from '../server.js';
import { describeDatabaseLocation, parseDatabaseLocation } from '../server/database-url.js';
import type { DatabaseLocation } from '../server/database-url.js';
import type { Durability } from '../server/types.js';

const DEFAULTS = { port: '8787', host: '127.0.0.1', db: './data/syncline.db', token: 'demo=demo' } as const;

export interface ServeConfig {
  port: number;
  host: string;
  /** From `--db`: a SQLite file path, or a `postgres://` URL (several instances may share one database). */
  database: DatabaseLocation;
  /** token → scope */
  tokens: Record<string, string>;
  /** From `--retain-tombstones-days`: purge tombstones older than this on a schedule (off when absent). */
  retainTombstonesMs?: number;
  /** From `--durability`: 'durable' (default, fsync on every commit) or 'relaxed'. */
  durability: Durability;
  /** From `--metrics-token`: serve Prometheus metrics at GET /metrics to holders of this token (needs prom-client). */
  metricsToken?: string;
  /** From `--cors-origin` (repeatable; `*` for any): origins whose web apps may call the server. */
  corsOrigins?: string[] | '*';
  /** From `--drain-seconds` (default 10): on SIGTERM/SIGINT, how long running requests may finish. */
  drainMs: number;
}

export function parseServeArgs(argv: string[]): ServeConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string', default: DEFAULTS.port },
      host: { type: 'string', default: DEFAULTS.host },
      db: { type: 'string', default: DEFAULTS.db },
      token: { type: 'string', multiple: true },
      'retain-tombstones-days': { type: 'string' },
      durability: { type: 'string', default: 'durable' },
      'metrics-token': { type: 'string' },
      'cors-origin': { type: 'string', multiple: true },
      'drain-seconds': { type: 'string', default: '10' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`--port: expected an integer 0-65535, got "${values.port}".`);
  }
  if (values.durability !== 'durable' && values.durability !== 'relaxed') {
    throw new InvalidArgumentError(`--durability: expected "durable" (fsync on every commit, the default) or "relaxed" (faster; a power loss may lose acknowledged pushes), got "${values.durability}".`);
  }
  const config: ServeConfig = {
    port,
    host: values.host,
    database: parseDatabaseLocation(values.db),
    tokens: parseTokens(values.token ?? [DEFAULTS.token]),
    durability: values.durability,
    drainMs: parseDrainSeconds(values['drain-seconds']),
  };
  const days = values['retain-tombstones-days'];
  if (days !== undefined) config.retainTombstonesMs = parseDays(days);
  if (values['metrics-token'] !== undefined) config.metricsToken = values['metrics-token'];
  const cors = values['cors-origin'];
  if (cors !== undefined) config.corsOrigins = cors.includes('*') ? '*' : cors;
  return config;
}

function parseDrainSeconds(text: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new InvalidArgumentError(`--drain-seconds: expected a number of seconds >= 0 (e.g. 10), got "${text}".`);
  }
  return Math.round(seconds * 1000);
}

function parseDays(text: string): number {
  const days = Number(text);
  if (text.trim() === '' || !Number.isFinite(days) || days <= 0) {
    throw new InvalidArgumentError(`--retain-tombstones-days: expected a positive number of days (e.g. 30), got "${text}".`);
  }
  return Math.round(days * 86_400_000);
}

function parseTokens(specs: string[]): Record<string, string> {
  const tokens: Record<string, string> = {};
  for (const spec of specs) {
    const [token, scope, ...rest] = spec.split('=');
    if (token === undefined || token === '' || scope === undefined || scope === '' || rest.length > 0) {
      throw new InvalidArgumentError(`--token: expected TOKEN=SCOPE (e.g. --token demo=demo), got "${spec}".`);
    }
    tokens[token] = scope;
  }
  return tokens;
}

/** Run the server until `signal` aborts, then close the listener and the database. */
export async function runServe(argv: string[], out: { log(line: string): void }, signal: AbortSignal): Promise<void> {
  const config = parseServeArgs(argv);
  const server = createSyncServer({
    database: config.database,
    auth: tokenAuth(config.tokens),
    mutations: receiptHandlers,
    collections: productsCollection,
    logger: lineLogger(out),
    durability: config.durability,
    ...(config.corsOrigins === undefined ? {} : { cors: { origins: config.corsOrigins } }),
    ...(config.retainTombstonesMs === undefined ? {} : { tombstones: { retainMs: config.retainTombstonesMs } }),
    ...(config.metricsToken === undefined ? {} : { metrics: await createServerMetrics({ token: config.metricsToken }) }),
  });
  // A bad configuration fails loudly here; a database that is not up yet is retried by the server
  // (503 + Retry-After meanwhile), so the listener starts anyway and recovers without a restart.
  await server.ready().catch((error: unknown) => {
    if (!isSynclineError(error) || !error.retryable) throw error;
  });
  const http = await serveNode(server, { port: config.port, host: config.host });
  out.log(`syncline server listening on ${http.url} (db ${describeDatabaseLocation(config.database)}, scopes: ${[...new Set(Object.values(config.tokens))].join(', ')}, durability: ${describeDurability(config.durability)}${config.metricsToken === undefined ? '' : `, metrics: ${http.url}/metrics (bearer: the metrics token)`})`);
  try {
    await abortion(signal);
  } finally {
    // Graceful: stop accepting, end event streams with a reconnect hint, let running requests finish
    // (up to the drain deadline), then release the database.
    out.log(`syncline server stopping: draining running requests (up to ${config.drainMs / 1000} s)`);
    await Promise.all([http.close({ drainMs: config.drainMs }), server.close({ drainMs: config.drainMs })]);
    out.log('syncline server stopped');
  }
}

function describeDurability(durability: Durability): string {
  return durability === 'durable'
    ? 'durable — every acknowledged push is on disk (fsync per commit)'
    : 'relaxed — a power loss may lose the last acknowledged pushes';
}

function abortion(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Info and above as one JSON line each; debug (every request) stays quiet. */
export function lineLogger(out: { log(line: string): void }): Logger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    // The Logger contract says never throw: fall back to the bare message if fields do not serialise.
    let line: string;
    try {
      line = JSON.stringify({ level, message, ...fields });
    } catch {
      line = JSON.stringify({ level, message });
    }
    out.log(line);
  };
  return { debug: () => {}, info: write('info'), warn: write('warn'), error: write('error') };
}
