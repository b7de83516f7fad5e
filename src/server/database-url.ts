/** Which backend a `--db` argument names: a `postgres://` / `postgresql://` URL, or a SQLite file path. */
import { resolve } from 'node:path';

export type DatabaseLocation = { sqlite: string } | { postgres: string };

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

export function parseDatabaseLocation(arg: string): DatabaseLocation {
  if (POSTGRES_URL.test(arg)) return { postgres: arg };
  return { sqlite: arg === ':memory:' ? arg : resolve(arg) };
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
