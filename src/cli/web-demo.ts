/** `syncline web-demo`: the sync server, the operator console and the web till on one loopback port, until Ctrl-C. */
import { parseArgs } from 'node:util';
import { startWebDemo } from '../web-demo/server.js';

export async function runWebDemoCommand(argv: string[], out: { log(line: string): void }, signal: AbortSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      'console-token': { type: 'string' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isSafeInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be a port number (0 picks a free one), got "${values.port}".`);
  const token = values['console-token'] ?? process.env['SYNCLINE_CONSOLE_TOKEN'];
  out.log('Starting the web demo: sync server on a temporary SQLite file, bundling the till page…');
  const demo = await startWebDemo({ port, host: values.host, ...(token === undefined ? {} : { consoleToken: token }) });
  out.log('');
  out.log(`  Till:     ${demo.pageUrl}`);
  out.log(`  Till 2:   ${demo.secondPageUrl}   (another device: open it in a second tab or browser)`);
  out.log(`  Console:  ${demo.consoleUrl}`);
  out.log('');
  out.log('Sell, void, switch a till offline and back, reprice a product on both tills. Ctrl-C stops (the temporary data is removed).');
  out.log('The terminal demo with injected faults and a report: npm run demo');
  try {
    if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  } finally {
    out.log('Stopping the web demo…');
    await demo.close();
    out.log('Stopped.');
  }
  return 0;
}
