/**
 * A sync server in its own process on either backend, for the SQLite vs PostgreSQL comparison.
 *
 *   node --import tsx bench/postgres-server.ts --db <file.db | postgres://...>
 *
 * Any bearer token is accepted and is its own scope (so scenarios pick their scopes); the `notes`
 * collection takes generic writes. Prints `{"url": ...}` once it listens; on a `stop` line on stdin
 * (or stdin closing) it stops and prints `{"maxRssBytes": ...}`.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createSyncServer, parseDatabaseLocation, serveNode } from '../src/server.js';

const { values } = parseArgs({ options: { db: { type: 'string' } } });
if (values.db === undefined) {
  process.stderr.write('usage: postgres-server.ts --db <file.db | postgres://...>\n');
  process.exit(2);
}
process.stdout.on('error', () => process.exit(1));

const server = createSyncServer({
  database: parseDatabaseLocation(values.db),
  auth: (request) => {
    const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
    return token === undefined ? null : { scope: token };
  },
  collections: { notes: { writable: true } },
});
await server.ready();
const http = await serveNode(server, { port: 0 });
process.stdout.write(`${JSON.stringify({ url: http.url })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await http.close();
  await server.close();
  process.stdout.write(`${JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
  process.exit(0);
}

const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  if (line.trim() === 'stop') void stop();
});
commands.on('close', () => void stop());
process.on('SIGTERM', () => void stop());
