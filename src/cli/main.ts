#!/usr/bin/env node
/** The `syncline` command: `serve`, `status`, `import`, `demo`, `web-demo`; `--help` per command, `--version`. */
import { commandHelp, isCommand, usage, version } from './help.js';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Answered before a command parses its flags (which would refuse --help as unknown).
  if (command === '--version' || command === '-v' || command === 'version' || (isCommand(command) && rest.includes('--version'))) {
    console.log(version());
    return 0;
  }
  if (isCommand(command) && (rest.includes('--help') || rest.includes('-h'))) {
    console.log(commandHelp(command));
    return 0;
  }
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    switch (command) {
      case 'demo':
        // Each command loads its modules when it runs: --help and --version start quickly.
        return await (await import('./demo.js')).runDemoCommand(rest, controller.signal);
      case 'web-demo':
        return await (await import('./web-demo.js')).runWebDemoCommand(rest, { log: (line) => console.log(line) }, controller.signal);
      case 'status':
        return await (await import('./status.js')).runStatus(rest, { log: (line) => console.log(line) }, { signal: controller.signal, stream: process.stdout });
      case 'import':
        return await (await import('./import.js')).runImportCommand(rest, { log: (line) => console.log(line), stream: process.stdout }, controller.signal);
      case 'webhooks':
        return await (await import('./webhooks.js')).runWebhooksCommand(rest, { log: (line) => console.log(line) });
      case 'serve':
        await (await import('./serve.js')).runServe(rest, { log: (line) => console.log(line) }, controller.signal);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(usage());
        return command === undefined ? 1 : 0;
      default:
        console.error(`Unknown command "${command}".\n\n${usage()}`);
        return 1;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
