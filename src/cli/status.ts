/** `syncline status --db FILE`: identity, outbox and the last sync runs of a client database. */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readLocalStatus, type LocalStatus } from '../core/local-status.js';
import { openSqliteStore } from '../stores/sqlite-store.js';

export async function runStatus(argv: string[], out: { log(line: string): void }): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { db: { type: 'string' }, runs: { type: 'string', default: '10' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  if (values.db === undefined) throw new Error('--db FILE is required: the client database to inspect.');
  // Opening a missing path would create an empty database; refuse instead.
  if (!existsSync(values.db)) throw new Error(`No client database at ${values.db}.`);
  const store = await openSqliteStore(values.db);
  try {
    const status = await readLocalStatus(store, Number(values.runs));
    out.log(values.json ? JSON.stringify(status) : formatStatus(values.db, status));
    return 0;
  } finally {
    await store.close();
  }
}

function formatStatus(path: string, s: LocalStatus): string {
  const lines = [
    `client database   ${path}`,
    `clientId          ${s.clientId ?? '(none yet)'}`,
    `cursor            ${s.cursor}`,
    `mutations made    ${s.nextMutationId - 1}`,
    `outbox            ${s.outbox} (${s.unsettled} awaiting an outcome)`,
    `quarantined       ${s.quarantined}`,
    `confirmed records ${s.confirmedRecords}`,
    '',
    s.runs.length === 0 ? 'no sync runs recorded' : 'last runs (newest first):',
  ];
  for (const r of s.runs) {
    const when = new Date(r.startedAt).toISOString();
    const what = r.skipped
      ? 'skipped (another tab/process is leader)'
      : `${r.outcome.padEnd(9)} pushed ${r.pushed.applied}+${r.pushed.rejected}r  pulled ${r.pulled.changes}  verify ${r.verify.status}  ${r.durationMs} ms` +
        (r.error === undefined ? '' : `  ${r.error.code}: ${r.error.message}`);
    lines.push(`  ${when}  ${r.trigger.padEnd(11)} ${what}`);
  }
  return lines.join('\n');
}
