/**
 * The server configuration file of `syncline serve --config FILE`: what a deployment declares
 * (database, listener, auth, durability, CORS, limits, collections and their conflict policies,
 * named mutations, tombstone retention, shutdown drain, metrics) instead of writing its own program.
 *
 * Precedence when `serve` runs: command-line flags > environment variables > this file > defaults.
 * Secrets and URLs belong in the environment (SYNCLINE_DB_URL, SYNCLINE_JWT_SECRET, …), so one file
 * serves every environment.
 */
import type { CollectionPolicy, Durability, MutationHandler, SyncServerOptions } from './types.js';
import type { RateLimitOptions } from './rate-limit.js';
import type { NodeTimeouts } from './node-adapter.js';

/** Who may call the server: JWTs (an HS256 secret or a JWKS URL), static tokens, or the public demo token. */
export interface SynclineAuthConfig {
  /** Verify bearer JWTs; give `secret` (HS256; better from SYNCLINE_JWT_SECRET) or `jwksUrl`, not both. */
  jwt?: { secret?: string; jwksUrl?: string; issuer?: string; audience?: string };
  /** Static bearer tokens: token → the scope it may read and write. */
  tokens?: Record<string, string>;
  /** Accept the public token "demo" (scope "demo"). Never on a network others can reach. */
  insecureDemo?: boolean;
}

export interface SynclineLimitsConfig {
  /** Requests per second per bearer token / per clientId (token buckets; 429 beyond). Off by default. */
  rate?: RateLimitOptions;
  /** Largest request body, bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** A request body must have arrived this long after the server starts reading it, ms (default 30 000). */
  bodyTimeoutMs?: number;
  maxPullLimit?: number;
  maxPullPageBytes?: number;
  maxStreamsPerToken?: number;
  /** Slow-client limits of the Node listener (headers, whole request, idle connection), ms. */
  timeouts?: NodeTimeouts;
}

export interface SynclineConfig {
  /** A SQLite file path, `sqlite:PATH`, or `postgres://…` (better from SYNCLINE_DB_URL: it may hold a password). Default ./data/syncline.db. */
  database?: string;
  /** Default 8787. */
  port?: number;
  /** Default 127.0.0.1 (loopback only); 0.0.0.0 in a container. */
  host?: string;
  auth?: SynclineAuthConfig;
  /** 'durable' (default): every acknowledged push is on disk; 'relaxed': faster, a power loss may lose the last ones. */
  durability?: Durability;
  /** Origins whose web apps may call the server, or '*'. */
  cors?: { origins: string[] | '*'; maxAgeSeconds?: number };
  limits?: SynclineLimitsConfig;
  /**
   * Collections clients may write with put/patch/delete, and how conflicting writes resolve. With
   * neither `collections` nor `mutations`, `serve` serves the built-in e-receipt demo domain.
   * @example { notes: { writable: true, conflicts: { merge: { title: 'lww', likes: 'delta' } } } }
   */
  collections?: Record<string, CollectionPolicy>;
  /** Named server-side mutations (functions: only in a .ts/.js/.mjs config). */
  mutations?: Record<string, MutationHandler>;
  /** Purge tombstones older than `retainDays`, every `purgeEveryMinutes` (default: hourly at most). Off by default. */
  tombstones?: { retainDays: number; purgeEveryMinutes?: number };
  /** On SIGTERM/SIGINT, how long running requests may finish. Default 10. */
  drainSeconds?: number;
  /** Serve Prometheus metrics at GET /metrics to holders of this token (better from SYNCLINE_METRICS_TOKEN; needs prom-client). */
  metricsToken?: string;
  /** Turn on the live console at `/console` for holders of this token (≥ 16 characters; better from SYNCLINE_CONSOLE_TOKEN). */
  consoleToken?: string;
  /**
   * Any other `createSyncServer` option, passed through as it is (`rules`, `effects`, `webhooks`,
   * `push`, `websocket`, `basePath`, …): options the server gains need no change to the config loader.
   * The keys above win over the same keys here.
   */
  server?: Partial<Omit<SyncServerOptions, 'database' | 'auth'>>;
}

/**
 * Identity at run time; gives a `syncline.config.ts` its types.
 * @example export default defineConfig({ port: 8787, collections: { notes: { writable: true } } });
 */
export function defineConfig(config: SynclineConfig): SynclineConfig {
  return config;
}
