#!/usr/bin/env node
/** The `syncline` command: `serve`, `demo`. */
import { runDemoCommand } from './demo.js';
import { runServe } from './serve.js';
import { runStatus } from './status.js';

const USAGE = `Usage: syncline <command> [options]

Commands:
  demo    Run a server and several simulated point-of-sale clients through an outage and injected
          faults, then report: created, on server, duplicates, lost, out of order, converged.
          --clients N (3)  --receipts N (30)  --seed S (1)  --pace MS (40)  --json
  status  Show a client database: clientId, cursor, outbox and drain metrics, quarantined entries, last sync runs, background jobs and their runs.
          --db FILE  --runs N (10)  --job-runs N (10)  --json
  serve   Run the reference sync server.
          --port P (8787)  --host H (127.0.0.1)  --db FILE|postgres://URL (./data/syncline.db)
          Auth (one is required): --jwt-secret SECRET (or env SYNCLINE_JWT_SECRET; HS256) | --jwks-url URL,
            with --jwt-issuer ISS  --jwt-audience AUD;  --token TOKEN=SCOPE (repeatable; static tokens);
            --insecure-demo (accept the public token "demo"; never on a network others reach)
          --retain-tombstones-days D (off: deleted records are kept as tombstones until purged)
          --durability durable|relaxed (durable: every acknowledged push is on disk; relaxed: faster,
            a power loss may lose the last acknowledged pushes)
          --cors-origin ORIGIN (repeatable; * for any: web apps on that origin may call the server)
          --drain-seconds S (10: on SIGTERM/SIGINT, how long in-flight requests may finish)
          --rate-per-token RATE[/BURST]  --rate-per-client RATE[/BURST] (requests/s, per instance; off by default)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    switch (command) {
      case 'demo':
        return await runDemoCommand(rest, controller.signal);
      case 'status':
        return await runStatus(rest, { log: (line) => console.log(line) });
      case 'serve':
        await runServe(rest, { log: (line) => console.log(line) }, controller.signal);
        return 0;
      case undefined:
      case 'help':
      case '--help':
        console.log(USAGE);
        return command === undefined ? 1 : 0;
      default:
        console.error(`Unknown command "${command}".\n\n${USAGE}`);
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
