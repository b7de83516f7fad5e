#!/usr/bin/env node
/** The `syncline` command: `serve`, `demo`. */
import { runDemoCommand } from './demo.js';
import { runImportCommand } from './import.js';
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
  import  Bulk-load records into a scope of a server database, 5,000 per transaction, resumable.
          --db FILE|postgres://URL  --scope S  FILE.jsonl|FILE.csv
          --collection C (for records that name none)  --key COLUMN (CSV: the key column; key)
          --import-id ID (default: from the file's path; a rerun with the same id continues after
            what was committed)  --batch-size N (5000)  --skip-invalid (report bad lines, go on)
          --format jsonl|csv (default: from the extension)  --durability durable|relaxed
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
      case 'import':
        return await runImportCommand(rest, importOutput(), controller.signal);
      case 'webhooks':
        return await (await import('./webhooks.js')).runWebhooksCommand(rest, { log: (line) => console.log(line) });
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

/** Progress rewrites one line on a terminal; piped or redirected, it comes as plain lines. */
function importOutput(): { log(line: string): void; status?(line: string): void } {
  const log = (line: string): void => {
    if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
    console.log(line);
  };
  if (!process.stdout.isTTY) return { log };
  return { log, status: (line) => void process.stdout.write(`\r\x1b[K${line}`) };
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
