/**
 * What `syncline serve` runs with, from four layers: command-line flags > environment variables >
 * the config file (`--config`, or SYNCLINE_CONFIG) > defaults. Every value is checked here, at
 * start, and an error names where the bad value came from (the flag, the variable, or the file and key).
 */
import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '../core/errors.js';
import type { SynclineConfig } from '../server/config.js';
import { loadConfigFile } from '../server/config-load.js';
import { validateConfig } from '../server/config-schema.js';
import { parseDatabaseLocation, type DatabaseLocation } from '../server/database-url.js';
import type { NodeTimeouts } from '../server/node-adapter.js';
import type { RateLimit, RateLimitOptions } from '../server/rate-limit.js';
import type { CollectionPolicy, Durability, MutationHandler, SyncServerOptions } from '../server/types.js';

const DEFAULTS = { port: 8787, host: '127.0.0.1', db: './data/syncline.db', token: 'demo=demo', drainSeconds: 10 } as const;

/** The environment variables `serve` reads (listed in `syncline serve --help` and the README). */
export const SERVE_ENV = {
  SYNCLINE_CONFIG: 'config file (like --config)',
  SYNCLINE_DB_URL: 'database: SQLite path, sqlite:PATH or postgres://… (like --db)',
  SYNCLINE_PORT: 'port (like --port)',
  SYNCLINE_HOST: 'interface to listen on (like --host)',
  SYNCLINE_JWT_SECRET: 'HS256 secret for JWT auth (like --jwt-secret)',
  SYNCLINE_JWKS_URL: 'JWKS URL for JWT auth (like --jwks-url)',
  SYNCLINE_JWT_ISSUER: 'required JWT issuer (like --jwt-issuer)',
  SYNCLINE_JWT_AUDIENCE: 'required JWT audience (like --jwt-audience)',
  SYNCLINE_METRICS_TOKEN: 'bearer token for GET /metrics (like --metrics-token)',
  SYNCLINE_CONSOLE_TOKEN: 'admin token of the live console at /console (like --console-token)',
  SYNCLINE_DURABILITY: 'durable|relaxed (like --durability)',
  SYNCLINE_CORS_ORIGINS: 'comma-separated origins, or * (like --cors-origin)',
  SYNCLINE_DRAIN_SECONDS: 'shutdown drain (like --drain-seconds)',
} as const;

type Env = Record<string, string | undefined>;

/** How `serve` authenticates: JWT (secret or JWKS) or static tokens (`--token`, or the demo token with `--insecure-demo`). */
export type ServeAuth =
  | { kind: 'jwt'; secret?: string; jwksUrl?: string; issuer?: string; audience?: string }
  | { kind: 'tokens'; tokens: Record<string, string>; insecureDemo: boolean };

export interface ServeConfig {
  port: number;
  host: string;
  /** A SQLite file path, or a `postgres://` URL (several instances may share one database). */
  database: DatabaseLocation;
  auth: ServeAuth;
  /** Purge tombstones older than this on a schedule (off when absent). */
  retainTombstonesMs?: number;
  purgeEveryMs?: number;
  durability: Durability;
  /** Serve Prometheus metrics at GET /metrics to holders of this token (needs prom-client). */
  metricsToken?: string;
  /** Serve the live operator console at /console to holders of this token. */
  consoleToken?: string;
  /** Origins whose web apps may call the server (`*` for any). */
  corsOrigins?: string[] | '*';
  corsMaxAgeSeconds?: number;
  /** On SIGTERM/SIGINT, how long running requests may finish, ms. */
  drainMs: number;
  /** Requests per second per token / per client: off when absent. */
  rate?: RateLimitOptions;
  /** The config file's other limits (body size, pull page, streams, body timeout). */
  limits?: Omit<NonNullable<SyncServerOptions['limits']>, 'rate'>;
  /** Slow-client limits of the Node listener. */
  timeouts?: NodeTimeouts;
  /** From the config file; with neither, `serve` serves the built-in receipts domain. */
  collections?: Record<string, CollectionPolicy>;
  mutations?: Record<string, MutationHandler>;
  /** The config file's `server` section, passed to createSyncServer as it is. */
  server?: SynclineConfig['server'];
}

const OPTIONS = {
  config: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  db: { type: 'string' },
  token: { type: 'string', multiple: true },
  'retain-tombstones-days': { type: 'string' },
  durability: { type: 'string' },
  'metrics-token': { type: 'string' },
  'console-token': { type: 'string' },
  'cors-origin': { type: 'string', multiple: true },
  'drain-seconds': { type: 'string' },
  'jwt-secret': { type: 'string' },
  'jwks-url': { type: 'string' },
  'jwt-issuer': { type: 'string' },
  'jwt-audience': { type: 'string' },
  'insecure-demo': { type: 'boolean' },
  'rate-per-token': { type: 'string' },
  'rate-per-client': { type: 'string' },
} as const;

type Flags = ReturnType<typeof parseFlags>;

function parseFlags(argv: string[]) {
  return parseArgs({ args: argv, strict: true, allowPositionals: false, options: OPTIONS }).values;
}

/** Flags, environment and the config file (if `--config` / SYNCLINE_CONFIG names one) into a checked ServeConfig. */
export async function loadServeConfig(argv: string[], env: Env = process.env): Promise<ServeConfig> {
  const flags = parseFlags(argv);
  const path = flags.config ?? nonEmpty(env['SYNCLINE_CONFIG']);
  const file = path === undefined ? {} : await loadConfigFile(path);
  return resolveServeConfig(flags, env, file, path ?? 'config');
}

/**
 * The same without a file, or with an already loaded one (`file` is validated again here, named
 * `fileName`), synchronously.
 */
export function parseServeArgs(argv: string[], env: Env = process.env, file: unknown = {}, fileName = 'config'): ServeConfig {
  const flags = parseFlags(argv);
  if (flags.config !== undefined) throw new InvalidArgumentError('parseServeArgs cannot read --config; use loadServeConfig.');
  return resolveServeConfig(flags, env, validateConfig(file, fileName), fileName);
}

function resolveServeConfig(flags: Flags, env: Env, file: SynclineConfig, fileName: string): ServeConfig {
  const envOf = (name: keyof typeof SERVE_ENV) => nonEmpty(env[name]);
  const port = pick(flags.port, '--port', envOf('SYNCLINE_PORT'), 'SYNCLINE_PORT', file.port, DEFAULTS.port, parsePort);
  const durability = pick(flags.durability, '--durability', envOf('SYNCLINE_DURABILITY'), 'SYNCLINE_DURABILITY', file.durability, 'durable', parseDurability);
  const drainSeconds = pick(flags['drain-seconds'], '--drain-seconds', envOf('SYNCLINE_DRAIN_SECONDS'), 'SYNCLINE_DRAIN_SECONDS', file.drainSeconds, DEFAULTS.drainSeconds, parseSeconds);
  const db = flags.db !== undefined ? { text: flags.db, source: '--db' } : envOf('SYNCLINE_DB_URL') !== undefined ? { text: envOf('SYNCLINE_DB_URL') as string, source: 'SYNCLINE_DB_URL' } : { text: file.database ?? DEFAULTS.db, source: file.database === undefined ? '--db' : `${fileName}: database` };
  const config: ServeConfig = {
    port,
    host: flags.host ?? envOf('SYNCLINE_HOST') ?? file.host ?? DEFAULTS.host,
    database: parseDatabaseLocation(db.text, db.source),
    auth: resolveAuth(flags, env, file),
    durability,
    drainMs: Math.round(drainSeconds * 1000),
  };
  const days = flags['retain-tombstones-days'];
  if (days !== undefined) config.retainTombstonesMs = parseDays(days);
  else if (file.tombstones !== undefined) config.retainTombstonesMs = Math.round(file.tombstones.retainDays * 86_400_000);
  if (file.tombstones?.purgeEveryMinutes !== undefined) config.purgeEveryMs = Math.round(file.tombstones.purgeEveryMinutes * 60_000);
  const metricsToken = flags['metrics-token'] ?? envOf('SYNCLINE_METRICS_TOKEN') ?? file.metricsToken;
  if (metricsToken !== undefined) config.metricsToken = metricsToken;
  const consoleToken = pick(flags['console-token'], '--console-token', envOf('SYNCLINE_CONSOLE_TOKEN'), 'SYNCLINE_CONSOLE_TOKEN', file.consoleToken, undefined, parseConsoleToken);
  if (consoleToken !== undefined) config.consoleToken = consoleToken;
  const rate = resolveRate(flags, file.limits?.rate);
  if (rate !== undefined) config.rate = rate;
  const cors = flags['cors-origin'] ?? envOf('SYNCLINE_CORS_ORIGINS')?.split(',').map((o) => o.trim()).filter((o) => o !== '') ?? file.cors?.origins;
  if (cors !== undefined) config.corsOrigins = cors === '*' || cors.includes('*') ? '*' : cors;
  if (file.cors?.maxAgeSeconds !== undefined) config.corsMaxAgeSeconds = file.cors.maxAgeSeconds;
  const { rate: _rate, timeouts, ...limits } = file.limits ?? {};
  if (Object.keys(limits).length > 0) config.limits = limits;
  if (timeouts !== undefined) config.timeouts = timeouts;
  if (file.collections !== undefined) config.collections = file.collections;
  if (file.mutations !== undefined) config.mutations = file.mutations;
  if (file.server !== undefined) config.server = file.server;
  return config;
}

/** A flag (text) wins over an env var (text) over the file's typed value over the default. */
function pick<T>(flag: string | undefined, flagName: string, envText: string | undefined, envName: string, fileValue: T | undefined, fallback: T, parse: (text: string, source: string) => T): T {
  if (flag !== undefined) return parse(flag, flagName);
  if (envText !== undefined) return parse(envText, envName);
  return fileValue ?? fallback;
}

const AUTH_FLAGS = ['token', 'jwt-secret', 'jwks-url', 'jwt-issuer', 'jwt-audience', 'insecure-demo'] as const;

/**
 * Some auth is required. Auth flags replace the file's `auth` section as a whole (so `--token` on the
 * command line never meets the file's JWT settings); the JWT variables fill in or override the
 * file's `auth.jwt` keys one by one (the file declares issuer and audience, the environment the secret).
 */
function resolveAuth(flags: Flags, env: Env, file: SynclineConfig): ServeAuth {
  const fromFile = AUTH_FLAGS.some((name) => flags[name] !== undefined) ? undefined : file.auth;
  const secret = flags['jwt-secret'] ?? nonEmpty(env['SYNCLINE_JWT_SECRET']) ?? fromFile?.jwt?.secret;
  const jwksUrl = flags['jwks-url'] ?? nonEmpty(env['SYNCLINE_JWKS_URL']) ?? fromFile?.jwt?.jwksUrl;
  const issuer = flags['jwt-issuer'] ?? nonEmpty(env['SYNCLINE_JWT_ISSUER']) ?? fromFile?.jwt?.issuer;
  const audience = flags['jwt-audience'] ?? nonEmpty(env['SYNCLINE_JWT_AUDIENCE']) ?? fromFile?.jwt?.audience;
  const tokens = flags.token === undefined ? fromFile?.tokens : parseTokens(flags.token);
  if (secret !== undefined && jwksUrl !== undefined) throw new InvalidArgumentError('A JWT secret (--jwt-secret, SYNCLINE_JWT_SECRET or auth.jwt.secret) and a JWKS URL (--jwks-url, SYNCLINE_JWKS_URL or auth.jwt.jwksUrl): give one of them, not both.');
  if (secret !== undefined || jwksUrl !== undefined) {
    if (tokens !== undefined) throw new InvalidArgumentError('Static tokens (--token or auth.tokens) cannot be combined with JWT auth (--jwt-secret / SYNCLINE_JWT_SECRET / --jwks-url / auth.jwt): use one kind of credentials.');
    return { kind: 'jwt', ...(secret === undefined ? {} : { secret }), ...(jwksUrl === undefined ? {} : { jwksUrl }), ...(issuer === undefined ? {} : { issuer }), ...(audience === undefined ? {} : { audience }) };
  }
  if (issuer !== undefined || audience !== undefined) throw new InvalidArgumentError('A JWT issuer / audience (--jwt-issuer / --jwt-audience, or auth.jwt) need --jwt-secret (or SYNCLINE_JWT_SECRET) or --jwks-url.');
  if (tokens !== undefined) return { kind: 'tokens', tokens, insecureDemo: false };
  if ((flags['insecure-demo'] ?? fromFile?.insecureDemo) === true) return { kind: 'tokens', tokens: parseTokens([DEFAULTS.token]), insecureDemo: true };
  throw new InvalidArgumentError('No authentication configured: pass --jwt-secret (or set SYNCLINE_JWT_SECRET) or --jwks-url for JWT auth, --token TOKEN=SCOPE for static tokens, or --insecure-demo to accept the public token "demo" (never on a network others can reach); or declare `auth` in the config file.');
}

function resolveRate(flags: Flags, fromFile: RateLimitOptions | undefined): RateLimitOptions | undefined {
  const perToken = flags['rate-per-token'] === undefined ? fromFile?.perToken : parseRate(flags['rate-per-token'], '--rate-per-token');
  const perClient = flags['rate-per-client'] === undefined ? fromFile?.perClient : parseRate(flags['rate-per-client'], '--rate-per-client');
  if (perToken === undefined && perClient === undefined) return undefined;
  return { ...(fromFile?.maxTracked === undefined ? {} : { maxTracked: fromFile.maxTracked }), ...(perToken === undefined ? {} : { perToken }), ...(perClient === undefined ? {} : { perClient }) };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Checked here too (the server would refuse it) so the error names the flag or variable. */
function parseConsoleToken(text: string, source: string): string {
  if (text.length < 16) throw new InvalidArgumentError(`${source}: the console token is an admin password and must be at least 16 characters (got ${text.length}); e.g. openssl rand -hex 16.`);
  return text;
}

function parsePort(text: string, source: string): number {
  const port = Number(text);
  if (text.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`${source}: expected an integer 0-65535, got "${text}".`);
  return port;
}

function parseDurability(text: string, source: string): Durability {
  if (text === 'durable' || text === 'relaxed') return text;
  throw new InvalidArgumentError(`${source}: expected "durable" (fsync on every commit, the default) or "relaxed" (faster; a power loss may lose acknowledged pushes), got "${text}".`);
}

function parseSeconds(text: string, source: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds < 0) throw new InvalidArgumentError(`${source}: expected a number of seconds >= 0 (e.g. 10), got "${text}".`);
  return seconds;
}

function parseDays(text: string): number {
  const days = Number(text);
  if (text.trim() === '' || !Number.isFinite(days) || days <= 0) throw new InvalidArgumentError(`--retain-tombstones-days: expected a positive number of days (e.g. 30), got "${text}".`);
  return Math.round(days * 86_400_000);
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
