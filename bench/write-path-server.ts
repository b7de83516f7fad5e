/**
 * The write-path bench's server, in its own process so its CPU time and RSS are its own.
 *
 *   node --import tsx bench/write-path-server.ts --db <file.db | postgres://...> [--port <n>]
 *
 * Any bearer token is accepted and is its own scope (each scenario picks its scope); `notes` takes
 * generic writes and the receipt handlers are installed. `--port` lets a client point at the server
 * before it is up (the offline-queue scenario). Prints `{"url": ...}` once it listens; answers `cpu`
 * with `{"cpuMicros": ...}`; on `stop` (or stdin closing) stops and prints `{"maxRssBytes": ...}`.
 */
import { parseArgs } from 'node:util';
import { serveUntilStopped } from './serve-child.js';
import { receiptHandlers } from '../src/receipts.js';
import { createSyncServer, parseDatabaseLocation } from '../src/server.js';

const { values } = parseArgs({ options: { db: { type: 'string' }, port: { type: 'string' } } });
if (values.db === undefined) {
  process.stderr.write('usage: write-path-server.ts --db <file.db | postgres://...> [--port <n>]\n');
  process.exit(2);
}

const server = createSyncServer({
  database: parseDatabaseLocation(values.db),
  auth: (request) => {
    const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
    return token === undefined ? null : { scope: token };
  },
  mutations: receiptHandlers,
  collections: { notes: { writable: true } },
});
await serveUntilStopped(server, Number(values.port ?? '0'));
