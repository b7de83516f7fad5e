/** `syncline serve`: the reference sync server with the e-receipt domain, on a SQLite file or PostgreSQL. */
import { parseArgs } from 'node:util';
import { InvalidArgumentError, isSynclineError } from '../core/errors.js';
import type { Logger } from '../core/seams.js';
import { productsCollection, receiptHandlers } from '../receipts.js';
import { createServerMetrics, createSyncServer, jwtAuth, serveNode, tokenAuth } from '../server.js';
import type { Authenticate } from '../server/types.js';
import type { RateLimit, RateLimitOptions } from '../server/rate-limit.js';
import { describeDatabaseLocation, parseDatabaseLocation } from '../server/database-url.js';
import type { DatabaseLocation } from '../server/database-url.js';
import type { Durability } from '../server/types.js';

const DEFAULTS = { port: '8787', host: '127.0.0.1', db: './data/syncline.db', token: 'demo=demo' } as const;

/** How `serve` authenticates: JWT (secret or JWKS) or static tokens (`--token`, or the demo token with `--insecure-demo`). */
export type ServeAuth =
  | { kind: 'jwt'; secret?: string; jwksUrl?: string; issuer?: string; audience?: string }
  | { kind: 'tokens'; tokens: Record<string, string>; insecureDemo: boolean };

export interface ServeConfig {
  port: number;
  host: string;
  /** From `--db`: a SQLite file path, or a `postgres://` URL (several instances may share one database). */
  database: DatabaseLocation;
  auth: ServeAuth;
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
  /** From `--rate-per-token` / `--rate-per-client` (`RATE` or `RATE/BURST`, requests per second): off when absent. */
  rate?: RateLimitOptions;
}

export function parseServeArgs(argv: string[], env: Record<string, string | undefined> = process.env): ServeConfig {
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
      'jwt-secret': { type: 'string' },
      'jwks-url': { type: 'string' },
      'jwt-issuer': { type: 'string' },
      'jwt-audience': { type: 'string' },
      'insecure-demo': { type: 'boolean', default: false },
      'rate-per-token': { type: 'string' },
      'rate-per-client': { type: 'string' },
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
    auth: parseAuth(values, env),
    durability: values.durability,
    drainMs: parseDrainSeconds(values['drain-seconds']),
  };
  const days = values['retain-tombstones-days'];
  if (days !== undefined) config.retainTombstonesMs = parseDays(days);
  if (values['metrics-token'] !== undefined) config.metricsToken = values['metrics-token'];
  const perToken = values['rate-per-token'] === undefined ? undefined : parseRate(values['rate-per-token'], '--rate-per-token');
  const perClient = values['rate-per-client'] === undefined ? undefined : parseRate(values['rate-per-client'], '--rate-per-client');
  if (perToken !== undefined || perClient !== undefined) config.rate = { ...(perToken === undefined ? {} : { perToken }), ...(perClient === undefined ? {} : { perClient }) };
  const cors = values['cors-origin'];
  if (cors !== undefined) config.corsOrigins = cors.includes('*') ? '*' : cors;
  return config;
}

interface AuthFlags {
  token?: string[] | undefined;
  'jwt-secret'?: string | undefined;
  'jwks-url'?: string | undefined;
  'jwt-issuer'?: string | undefined;
  'jwt-audience'?: string | undefined;
  'insecure-demo'?: boolean | undefined;
}

/** Some auth is required: a JWT secret or JWKS URL, static `--token`s, or an explicit `--insecure-demo`. */
function parseAuth(values: AuthFlags, env: Record<string, string | undefined>): ServeAuth {
  const secret = values['jwt-secret'] ?? nonEmpty(env['SYNCLINE_JWT_SECRET']);
  const jwksUrl = values['jwks-url'];
  const issuer = values['jwt-issuer'];
  const audience = values['jwt-audience'];
  if (secret !== undefined && jwksUrl !== undefined) throw new InvalidArgumentError('--jwt-secret (or SYNCLINE_JWT_SECRET) and --jwks-url: give one of them, not both.');
  if (secret !== undefined || jwksUrl !== undefined) {
    if (values.token !== undefined) throw new InvalidArgumentError('--token cannot be combined with JWT auth (--jwt-secret / --jwks-url): use one kind of credentials.');
    return { kind: 'jwt', ...(secret === undefined ? {} : { secret }), ...(jwksUrl === undefined ? {} : { jwksUrl }), ...(issuer === undefined ? {} : { issuer }), ...(audience === undefined ? {} : { audience }) };
  }
  if (issuer !== undefined || audience !== undefined) throw new InvalidArgumentError('--jwt-issuer / --jwt-audience need --jwt-secret (or SYNCLINE_JWT_SECRET) or --jwks-url.');
  if (values.token !== undefined) return { kind: 'tokens', tokens: parseTokens(values.token), insecureDemo: false };
  if (values['insecure-demo'] === true) return { kind: 'tokens', tokens: parseTokens([DEFAULTS.token]), insecureDemo: true };
  throw new InvalidArgumentError('No authentication configured: pass --jwt-secret (or set SYNCLINE_JWT_SECRET) or --jwks-url for JWT auth, --token TOKEN=SCOPE for static tokens, or --insecure-demo to accept the public token "demo" (never on a network others can reach).');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The authenticator for `auth`; a JWT secret or URL that cannot be used fails here, at start. */
export function buildServeAuth(auth: ServeAuth): Authenticate {
  if (auth.kind === 'tokens') return tokenAuth(auth.tokens);
  return jwtAuth({
    ...(auth.secret === undefined ? {} : { secret: auth.secret }),
    ...(auth.jwksUrl === undefined ? {} : { jwksUrl: auth.jwksUrl }),
    ...(auth.issuer === undefined ? {} : { issuer: auth.issuer }),
    ...(auth.audience === undefined ? {} : { audience: auth.audience }),
  });
}

function describeAuth(auth: ServeAuth): string {
  if (auth.kind === 'jwt') return `auth: JWT (${auth.jwksUrl === undefined ? 'HS256 secret' : `JWKS ${auth.jwksUrl}`}${auth.issuer === undefined ? '' : `, issuer ${auth.issuer}`}${auth.audience === undefined ? '' : `, audience ${auth.audience}`})`;
  const scopes = [...new Set(Object.values(auth.tokens))].join(', ');
  return auth.insecureDemo ? `auth: INSECURE DEMO — anyone may use the token "demo" (scope ${scopes})` : `auth: static tokens, scopes: ${scopes}`;
}

/** `RATE` or `RATE/BURST`: requests per second, and the burst (default 2 × RATE). */
function parseRate(text: string, flag: string): RateLimit {
  const match = /^(\d+(?:\.\d+)?)(?:\/(\d+))?$/.exec(text.trim());
  const perSecond = Number(match?.[1]);
  const burst = match?.[2] === undefined ? undefined : Number(match[2]);
  if (match === null || !(perSecond > 0) || (burst !== undefined && burst < 1)) {
    throw new InvalidArgumentError(`${flag}: expected requests per second, optionally with a burst, as RATE or RATE/BURST (e.g. 20 or 20/50), got "${text}".`);
  }
  return burst === undefined ? { perSecond } : { perSecond, burst };
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
    auth: buildServeAuth(config.auth),
    mutations: receiptHandlers,
    collections: productsCollection,
    logger: lineLogger(out),
    durability: config.durability,
    ...(config.rate === undefined ? {} : { limits: { rate: config.rate } }),
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
  out.log(`syncline server listening on ${http.url} (db ${describeDatabaseLocation(config.database)}, ${describeAuth(config.auth)}, durability: ${describeDurability(config.durability)}${config.metricsToken === undefined ? '' : `, metrics: ${http.url}/metrics (bearer: the metrics token)`})`);
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
