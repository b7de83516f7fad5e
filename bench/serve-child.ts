/**
 * The life of a benchmark server process: listen on loopback, print `{"url": ...}`, and on a `stop`
 * line on stdin (or stdin closing, or SIGTERM) stop and print `{"maxRssBytes": ...}` — the peak RSS
 * of this process only, which is why servers run apart from the clients they are measured with.
 * A `cpu` line answers `{"cpuMicros": user + system}` (process.cpuUsage, this process only), so the
 * parent can take the server's CPU time across a scenario as a difference of two readings.
 */
import { createInterface } from 'node:readline';
import { serveNode, type SyncServer } from '../src/server.js';

export async function serveUntilStopped(server: SyncServer, port = 0): Promise<void> {
  // The parent went away (stdout pipe closed): nobody is left to report to.
  process.stdout.on('error', () => process.exit(1));
  await server.ready();
  const http = await serveNode(server, { port });
  process.stdout.write(`${JSON.stringify({ url: http.url })}\n`);

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await http.close();
    await server.close();
    // maxRSS is in kilobytes.
    process.stdout.write(`${JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
    process.exit(0);
  };
  const commands = createInterface({ input: process.stdin });
  commands.on('line', (line) => {
    const command = line.trim();
    if (command === 'stop') void stop();
    if (command === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.stdout.write(`${JSON.stringify({ cpuMicros: user + system })}\n`);
    }
  });
  commands.on('close', () => void stop());
  process.on('SIGTERM', () => void stop());
}
