/**
 * A sync server in its own process, so its peak RSS is measured apart from the clients.
 *
 *   node --import tsx bench/server-process.ts --db <file.db> --token <token> --scope <scope>
 *
 * Prints one JSON line `{"url": ...}` once it listens. On a `stop` line on stdin (or when stdin
 * closes, e.g. because the parent died) it stops and prints `{"maxRssBytes": ...}`.
 */
import { parseArgs } from 'node:util';
import { serveUntilStopped } from './serve-child.js';
import { receiptHandlers } from '../src/receipts.js';
import { createSyncServer, tokenAuth } from '../src/server.js';

const { values } = parseArgs({
  options: { db: { type: 'string' }, token: { type: 'string' }, scope: { type: 'string' } },
});
if (values.db === undefined || values.token === undefined || values.scope === undefined) {
  process.stderr.write('usage: server-process.ts --db <file> --token <token> --scope <scope>\n');
  process.exit(2);
}

const server = createSyncServer({
  database: { sqlite: values.db },
  auth: tokenAuth({ [values.token]: values.scope }),
  mutations: receiptHandlers,
});
await serveUntilStopped(server);
