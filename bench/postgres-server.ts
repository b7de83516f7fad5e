/**
 * A sync server in its own process on either backend, for the SQLite vs PostgreSQL comparison.
 *
 *   node --import tsx bench/postgres-server.ts --db <file.db | postgres://...>
 *
 * Any bearer token is accepted and is its own scope (so scenarios pick their scopes); the `notes`
 * collection takes generic writes. Prints `{"url": ...}` once it listens; on a `stop` line on stdin
 * (or stdin closing) it stops and prints `{"maxRssBytes": ...}`.
 */
import { parseArgs } from 'node:util';
import { serveUntilStopped } from './serve-child.js';
import { createSyncServer, parseDatabaseLocation } from '../src/server.js';

const { values } = parseArgs({ options: { db: { type: 'string' } } });
if (values.db === undefined) {
  process.stderr.write('usage: postgres-server.ts --db <file.db | postgres://...>\n');
  process.exit(2);
}

const server = createSyncServer({
  database: parseDatabaseLocation(values.db),
  auth: (request) => {
    const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
    return token === undefined ? null : { scope: token };
  },
  collections: { notes: { writable: true } },
});
await serveUntilStopped(server);
