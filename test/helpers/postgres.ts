/**
 * A throwaway PostgreSQL for tests. With SYNCLINE_PG_URL set (.ci/run starts one cluster for the
 * whole run) each suite creates its databases there and drops them after; otherwise the suite starts
 * its own cluster — initdb + pg_ctl as the `postgres` user into a temp dir, a random free port on
 * 127.0.0.1, fsync off — and stops it after. Every `createDatabase()` is a fresh, empty database.
 *
 * Without PostgreSQL (or with SYNCLINE_SKIP_PG=1) the suite shows one skipped test naming the reason;
 * under CI=true that is a failing test instead.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { findPostgresBindir, startLocalCluster } from './postgres-cluster.js';

type Availability = { available: true; bindir: string | undefined } | { available: false; reason: string };

export interface PostgresHandle {
  /** A new empty database on the suite's cluster; its connection URL. */
  createDatabase(): Promise<string>;
}

interface Cluster extends PostgresHandle {
  stop(): Promise<void>;
}

let cachedAvailability: Availability | undefined;

/** Whether a PostgreSQL is reachable for tests: SYNCLINE_PG_URL, or initdb + pg_ctl on this machine. */
export function postgresAvailability(): Availability {
  cachedAvailability ??= detect();
  return cachedAvailability;
}

function detect(): Availability {
  if (process.env.SYNCLINE_SKIP_PG === '1') return { available: false, reason: 'SYNCLINE_SKIP_PG=1 is set' };
  if (process.env.SYNCLINE_PG_URL !== undefined && process.env.SYNCLINE_PG_URL !== '') return { available: true, bindir: undefined };
  const bindir = findPostgresBindir();
  if (bindir !== undefined) return { available: true, bindir };
  return {
    available: false,
    reason: 'no PostgreSQL: SYNCLINE_PG_URL is unset and no initdb/pg_ctl was found (install the `postgresql` package, or set SYNCLINE_PG_URL to a server this test may CREATE DATABASE on)',
  };
}

/**
 * `describe` a PostgreSQL suite: `body` gets a handle whose cluster starts before the suite's first
 * test and stops after its last. Without PostgreSQL: a visible skip, or a failure under CI=true.
 */
export function describePostgres(title: string, body: (pg: PostgresHandle) => void): void {
  const availability = postgresAvailability();
  if (!availability.available) {
    const message = `PostgreSQL suite skipped — ${availability.reason}`;
    if (process.env.CI === 'true') {
      describe(title, () => {
        it('needs PostgreSQL (CI=true: a skipped PostgreSQL suite is a failure)', () => {
          throw new Error(message);
        });
      });
      return;
    }
    console.warn(`[syncline tests] ${title}: ${message}`);
    describe(title, () => {
      it.skip(message, () => {});
    });
    return;
  }
  let cluster: Cluster | undefined;
  describe(title, () => {
    beforeAll(async () => {
      cluster = await startCluster(availability.bindir);
    });
    afterAll(async () => {
      await cluster?.stop();
    });
    body({
      createDatabase: () => {
        if (cluster === undefined) throw new Error('PostgreSQL cluster not started: call createDatabase() inside a test or hook.');
        return cluster.createDatabase();
      },
    });
  });
}

async function startCluster(bindir: string | undefined): Promise<Cluster> {
  const sharedUrl = process.env.SYNCLINE_PG_URL;
  if (sharedUrl !== undefined && sharedUrl !== '') return databasesOn(sharedUrl, async () => {});
  if (bindir === undefined) throw new Error('no PostgreSQL binaries');
  const local = await startLocalCluster(bindir);
  return databasesOn(local.url, local.stop);
}

/** Creates fresh databases through `adminUrl`; drops them on stop, then runs `stopServer`. */
function databasesOn(adminUrl: string, stopServer: () => Promise<void>): Cluster {
  const created: string[] = [];
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    async createDatabase() {
      const name = `syncline_t_${randomBytes(6).toString('hex')}`;
      await admin((client) => client.query(`CREATE DATABASE ${name}`));
      created.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      // FORCE ends sessions a failed test left open (PostgreSQL 13+).
      await admin(async (client) => {
        for (const name of created) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }).catch(() => {});
      await stopServer();
    },
  };
}
