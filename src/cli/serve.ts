/**
 * `syncline serve`: the reference sync server on a SQLite file or PostgreSQL, serving the collections
 * and named mutations of a config file (`--config`), or the built-in e-receipt demo domain.
 */
import { isSynclineError } from '../core/errors.js';
import type { Logger } from '../core/seams.js';
import { productsCollection, receiptHandlers } from '../receipts.js';
import { createServerMetrics, createSyncServer, jwtAuth, serveNode, tokenAuth } from '../server.js';
import type { Authenticate, Durability, SyncServerOptions } from '../server/types.js';
import { describeDatabaseLocation } from '../server/database-url.js';
import { loadServeConfig, type ServeAuth, type ServeConfig } from './serve-config.js';

export { loadServeConfig, parseServeArgs, SERVE_ENV } from './serve-config.js';
export type { ServeAuth, ServeConfig } from './serve-config.js';

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

/** Run the server until `signal` aborts, then close the listener and the database. */
export async function runServe(argv: string[], out: { log(line: string): void }, signal: AbortSignal, env: Record<string, string | undefined> = process.env): Promise<void> {
  const config = await loadServeConfig(argv, env);
  const server = createSyncServer(await serverOptions(config, lineLogger(out)));
  // A bad configuration fails loudly here; a database that is not up yet is retried by the server
  // (503 + Retry-After meanwhile), so the listener starts anyway and recovers without a restart.
  await server.ready().catch((error: unknown) => {
    if (!isSynclineError(error) || !error.retryable) throw error;
  });
  const http = await serveNode(server, { port: config.port, host: config.host, ...(config.timeouts === undefined ? {} : { timeouts: config.timeouts }) });
  // Before the listening line, which scripts (and tests) wait for as the sign that start-up is over.
  // The URL, never the token: logs are read by more people than the console should be.
  if (config.consoleToken !== undefined) out.log(`syncline console: ${http.url}${config.server?.basePath ?? ''}/console?token=<console token> (open once; a session cookie keeps you in)`);
  out.log(`syncline server listening on ${http.url} (db ${describeDatabaseLocation(config.database)}, ${describeAuth(config.auth)}, ${describeDomain(config)}, durability: ${describeDurability(config.durability)}${config.metricsToken === undefined ? '' : `, metrics: ${http.url}/metrics (bearer: the metrics token)`})`);
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

/**
 * The createSyncServer options for `config`: the file's `server` section first (options this CLI does
 * not know by name, e.g. `rules` or `webhooks`, pass through as they are), then everything named.
 * Without collections or mutations in the config, the built-in e-receipt domain is served.
 */
export async function serverOptions(config: ServeConfig, logger: Logger): Promise<SyncServerOptions> {
  const custom = config.collections !== undefined || config.mutations !== undefined;
  const limits = { ...config.server?.limits, ...config.limits, ...(config.rate === undefined ? {} : { rate: config.rate }) };
  const tombstones = config.retainTombstonesMs === undefined ? undefined : { retainMs: config.retainTombstonesMs, ...(config.purgeEveryMs === undefined ? {} : { purgeEveryMs: config.purgeEveryMs }) };
  return {
    ...config.server,
    database: config.database,
    auth: buildServeAuth(config.auth),
    mutations: custom ? (config.mutations ?? {}) : receiptHandlers,
    collections: custom ? (config.collections ?? {}) : productsCollection,
    logger: config.server?.logger ?? logger,
    durability: config.durability,
    ...(Object.keys(limits).length === 0 ? {} : { limits }),
    ...(config.corsOrigins === undefined ? {} : { cors: { origins: config.corsOrigins, ...(config.corsMaxAgeSeconds === undefined ? {} : { maxAgeSeconds: config.corsMaxAgeSeconds }) } }),
    ...(tombstones === undefined ? {} : { tombstones }),
    ...(config.metricsToken === undefined ? {} : { metrics: await createServerMetrics({ token: config.metricsToken }) }),
    ...(config.consoleToken === undefined ? {} : { console: { token: config.consoleToken } }),
  };
}

function describeDomain(config: ServeConfig): string {
  if (config.collections === undefined && config.mutations === undefined) return 'domain: e-receipt demo';
  const names = (record: Record<string, unknown> | undefined) => Object.keys(record ?? {}).join(', ') || 'none';
  return `collections: ${names(config.collections)}, mutations: ${names(config.mutations)}`;
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
