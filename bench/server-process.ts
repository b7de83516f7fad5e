/**
 * A sync server in its own process, so its peak RSS is measured apart from the clients.
 *
 *   node --import tsx bench/server-process.ts --db <file.db> --token <token> --scope <scope>
 *
 * Prints one JSON line `{"url": ...}` once it listens. On a `stop` line on stdin (or when stdin
 * closes, e.g. because the parent died) it stops and prints `{"maxRssBytes": ...}`.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { receiptHandlers } from '../src/receipts.js';
import { createSyncServer, serveNode, tokenAuth } from '../src/server.js';

const { values } = parseArgs({
  options: { db: { type: 'string' }, token: { type: 'string' }, scope: { type: 'string' } },
});
if (values.db === undefined || values.token === undefined || values.scope === undefined) {
  process.stderr.write('usage: server-process.ts --db <file> --token <token> --scope <scope>\n');
  process.exit(2);
}

// The parent went away (stdout pipe closed): nobody is left to report to.
process.stdout.on('error', () => process.exit(1));

const server = createSyncServer({
  database: { sqlite: values.db },
  auth: tokenAuth({ [values.token]: values.scope }),
  mutations: receiptHandlers,
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
  // maxRSS is in kilobytes.
  process.stdout.write(`${JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
  process.exit(0);
}

const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  if (line.trim() === 'stop') void stop();
});
// The parent went away without saying stop: do not linger.
commands.on('close', () => void stop());
process.on('SIGTERM', () => void stop());
