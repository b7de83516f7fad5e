/** Usage text of `syncline` and of each command (`syncline <command> --help`), and the version. */
import { readFileSync } from 'node:fs';
import { SERVE_ENV } from './serve-config.js';

const COMMANDS = {
  'web-demo': `syncline web-demo — the sync server (temporary SQLite file), the operator console and a web
point-of-sale till on IndexedDB, on one loopback port; prints their URLs. Ctrl-C stops. Runs from a
checkout of the repository (the page is bundled with esbuild at start).

Options:
  --port P (8787; 0 picks a free one)  --host H (127.0.0.1)
  --console-token TOKEN (default: SYNCLINE_CONSOLE_TOKEN, else a random one; at least 16 characters)`,
  demo: `syncline demo — run a server and several simulated point-of-sale clients through an outage and
injected faults, then report: created, on server, duplicates, lost, out of order, converged.

Options:
  --clients N (3)  --receipts N (30)  --seed S (1)  --pace MS (40)  --json`,
  status: `syncline status — show a client database: clientId, cursor, outbox and drain metrics, quarantined
entries, last sync runs, background jobs and their runs. Opens the file read-only; refuses a file
that is not a syncline client store.

Options:
  --db FILE (required)  --runs N (10)  --job-runs N (10)  --json
  --watch (refresh outbox backlog, oldest pending age, cursor, last sync and the drain until Ctrl-C)
  --interval S (2: seconds between refreshes with --watch)`,
  serve: `syncline serve — run the reference sync server.

  --config FILE  a server config (.json, .js, .mjs, or .ts with jiti installed) declaring the database,
                 auth, limits, collections and their conflict policies, named mutations, and any other
                 createSyncServer option under "server". Without collections or mutations in it, the
                 built-in e-receipt demo domain is served.
  --port P (8787)  --host H (127.0.0.1)
  --db FILE|sqlite:PATH|postgres://URL (./data/syncline.db)
  Auth (one is required): --jwt-secret SECRET (HS256) | --jwks-url URL, with --jwt-issuer ISS
    --jwt-audience AUD;  --token TOKEN=SCOPE (repeatable; static tokens);
    --insecure-demo (accept the public token "demo"; never on a network others reach)
  --retain-tombstones-days D (off: deleted records are kept as tombstones until purged)
  --durability durable|relaxed (durable: every acknowledged push is on disk; relaxed: faster,
    a power loss may lose the last acknowledged pushes)
  --cors-origin ORIGIN (repeatable; * for any: web apps on that origin may call the server)
  --drain-seconds S (10: on SIGTERM/SIGINT, how long in-flight requests may finish)
  --rate-per-token RATE[/BURST]  --rate-per-client RATE[/BURST] (requests/s, per instance; off by default)
  --metrics-token TOKEN (Prometheus metrics at GET /metrics; needs prom-client)
  --console-token TOKEN (≥ 16 characters: the live operator console at /console, opened once with
    ?token=TOKEN; off without it)

Precedence: flags > environment variables > config file > defaults.
Environment variables:
${Object.entries(SERVE_ENV)
  .map(([name, what]) => `  ${name.padEnd(24)}${what}`)
  .join('\n')}`,
  import: `syncline import — bulk-load records into a scope of a server database, 5,000 per transaction, resumable.

Usage: syncline import --db FILE|postgres://URL --scope S FILE.jsonl|FILE.csv
  --collection C (for records that name none)  --key COLUMN (CSV: the key column; key)
  --import-id ID (default: from the file's path; a rerun with the same id continues after
    what was committed)  --batch-size N (5000)  --skip-invalid (report bad lines, go on)
  --format jsonl|csv (default: from the extension)  --durability durable|relaxed`,
  webhooks: `syncline webhooks — manage outgoing webhook subscriptions of a server database and inspect
their deliveries.

Usage:
  syncline webhooks add --db FILE --url URL --events a,b   (or --postgres URL instead of --db)
  syncline webhooks add --db FILE --url URL --collections receipts [--ops put,patch,delete,increment]
                       (every committed change of those collections, as record.changed events)
  syncline webhooks list|deliveries --db FILE [--json]
  syncline webhooks remove --db FILE --id ID`,
} as const;

export type CommandName = keyof typeof COMMANDS;

export function isCommand(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

export function commandHelp(command: CommandName): string {
  return COMMANDS[command];
}

export function usage(): string {
  const first = (text: string) => text.split('\n')[0]?.replace(/^syncline /, '') ?? '';
  return `Usage: syncline <command> [options]

Commands:
${Object.values(COMMANDS)
  .map((text) => `  ${first(text)}`)
  .join('\n')}

syncline <command> --help   options of one command
syncline --version          the installed version`;
}

/** The package's version: package.json sits two levels up from both src/cli and dist/cli. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
