/**
 * POSTGRESQL-ONLY. Opening a `pg` pool behind kysely's PostgresDialect. `pg` is an optional peer
 * dependency, loaded on first use, so `syncline/server` on SQLite works without it installed.
 */
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import type * as PgNamespace from 'pg';
import type { Pool } from 'pg';
import { InvalidArgumentError } from '../core/errors.js';
import { silentLogger } from '../core/seams.js';
import type { Logger } from '../core/seams.js';
import type { ServerDatabase } from './schema.js';
import type { Durability } from './types.js';

type PgModule = typeof PgNamespace;

/** Default pool size per server instance: enough to keep pulls flowing while pushes wait on a scope lock. */
const DEFAULT_MAX_CONNECTIONS = 10;

export interface PostgresOptions {
  /** Connection URL, e.g. `postgres://user:pass@host:5432/db`. */
  url: string;
  /** Pool size of this server instance (default 10). */
  maxConnections?: number;
  logger?: Logger;
  /** 'durable' (default): `synchronous_commit = on`; 'relaxed': `off` (see SyncServerOptions.durability). */
  durability?: Durability;
}

/** Load the `pg` module (CommonJS) or explain how to get it. */
export async function loadPg(): Promise<PgModule> {
  try {
    const imported = (await import('pg')) as PgModule & { default?: PgModule };
    return imported.default ?? imported;
  } catch (error) {
    throw new InvalidArgumentError('The PostgreSQL backend needs the "pg" package: run `npm install pg@8`.', { cause: error });
  }
}

/** A kysely instance on a new pool; the pool opens its first connection on the first query. */
export function openPostgresDatabase(options: PostgresOptions): Kysely<ServerDatabase> {
  const logger = options.logger ?? silentLogger;
  const pool = async (): Promise<Pool> => {
    const pg = await loadPg();
    const created = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS, application_name: 'syncline-server' });
    // An idle connection that dies (server restart, network) emits 'error'; unhandled it kills the process.
    created.on('error', (error) => logger.warn('server: idle PostgreSQL connection failed', { error: error.message }));
    // A connection that dies while checked out (the database restarted mid-request) emits 'error' on
    // the client, which the pool does not listen to then: unhandled, it would kill the process. The
    // request using it fails on its own (503), and the pool drops the unusable client on release.
    created.on('connect', (client) => client.on('error', (error) => logger.warn('server: PostgreSQL connection lost', { error: error.message })));
    return created;
  };
  // Set on every connection, not left to the cluster's default: "acknowledged" must mean "on disk"
  // unless the operator chose otherwise here.
  const synchronousCommit = CompiledQuery.raw(`SET synchronous_commit = ${options.durability === 'relaxed' ? 'off' : 'on'}`);
  return new Kysely<ServerDatabase>({
    dialect: new PostgresDialect({ pool, onCreateConnection: async (connection) => void (await connection.executeQuery(synchronousCommit)) }),
  });
}
