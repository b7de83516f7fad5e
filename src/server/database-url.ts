/**
 * Which backend a `--db` argument (or `SYNCLINE_DB_URL`, or a config file's `database`) names: a
 * `postgres://` / `postgresql://` URL, a `sqlite:PATH` URL, or a plain SQLite file path. Anything
 * else that looks like a URL (`mysql://…`) and any PostgreSQL URL that does not parse fails here, at
 * start, rather than as a confusing "cannot open file" or a connection error much later.
 */
import { resolve } from 'node:path';
import { InvalidArgumentError } from '../core/errors.js';

export type DatabaseLocation = { sqlite: string } | { postgres: string };

const POSTGRES_URL = /^postgres(ql)?:\/\//i;
const SQLITE_URL = /^sqlite:(\/\/)?/i;
/** A scheme followed by `://`: a URL, not a file path (a Windows drive `C:\` has no `//`). */
const ANY_URL = /^([a-z][a-z0-9+.-]*):\/\//i;

const SUPPORTED = 'a SQLite file path (or sqlite:PATH) or a PostgreSQL URL (postgres://USER:PASSWORD@HOST:5432/DATABASE)';

/**
 * @param source names the setting in error messages, e.g. `--db` or `SYNCLINE_DB_URL`.
 * @example parseDatabaseLocation('postgres://syncline@db:5432/syncline') // { postgres: '…' }
 */
export function parseDatabaseLocation(arg: string, source = '--db'): DatabaseLocation {
  if (arg.trim() === '') throw new InvalidArgumentError(`${source}: empty; expected ${SUPPORTED}.`);
  if (POSTGRES_URL.test(arg)) return { postgres: checkPostgresUrl(arg, source) };
  const sqlite = SQLITE_URL.exec(arg);
  if (sqlite !== null) {
    const path = arg.slice(sqlite[0].length);
    if (path === '') throw new InvalidArgumentError(`${source}: "${arg}" names no file; expected sqlite:PATH (e.g. sqlite:./data/syncline.db).`);
    return { sqlite: path === ':memory:' ? path : resolve(path) };
  }
  const scheme = ANY_URL.exec(arg)?.[1];
  if (scheme !== undefined) {
    // Only the scheme is echoed: the rest may hold a password.
    throw new InvalidArgumentError(`${source}: unsupported database "${scheme.toLowerCase()}://…"; syncline runs on ${SUPPORTED}.`);
  }
  return { sqlite: arg === ':memory:' ? arg : resolve(arg) };
}

function checkPostgresUrl(arg: string, source: string): string {
  let url: URL;
  try {
    url = new URL(arg);
  } catch (error) {
    throw new InvalidArgumentError(
      `${source}: malformed PostgreSQL URL (it does not parse as a URL; characters such as @ : / # ? in the password must be percent-encoded); expected postgres://USER:PASSWORD@HOST:5432/DATABASE.`,
      { cause: error },
    );
  }
  if (url.port !== '' && Number(url.port) === 0) throw new InvalidArgumentError(`${source}: PostgreSQL URL with port 0; expected a port 1-65535 (usually 5432).`);
  // An empty host is allowed: pg then reads `?host=/socket/dir` (or PGHOST), a Unix socket.
  if (url.hostname === '' && !url.searchParams.has('host')) {
    throw new InvalidArgumentError(`${source}: PostgreSQL URL without a host; expected postgres://USER:PASSWORD@HOST:5432/DATABASE (or ?host=/socket/dir).`);
  }
  return arg;
}

/** The location for logs, without a password. */
export function describeDatabaseLocation(location: DatabaseLocation): string {
  if ('sqlite' in location) return location.sqlite;
  try {
    const url = new URL(location.postgres);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
