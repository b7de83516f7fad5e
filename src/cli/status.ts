/**
 * `syncline status --db FILE`: identity, outbox, drain metrics, background jobs and the last sync and
 * job runs of a client database, opened read-only. `--watch` keeps refreshing the essentials
 * (status-watch.ts) until Ctrl-C.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readDrainMetrics, type DrainMetrics } from '../core/drain-metrics.js';
import { readJobRuns, type JobRun } from '../core/job-history.js';
import { readJobs, type StoredJob } from '../core/job-store.js';
import { readLocalStatus, type LocalStatus } from '../core/local-status.js';
import type { Store } from '../stores/store.js';
import type { ProgressStream } from './progress.js';
import { openReadOnlyStore } from './read-only-store.js';
import { watchStatus } from './status-watch.js';

interface Status extends LocalStatus {
  metrics: DrainMetrics;
  /** Stored background jobs, or why they could not be read (one damaged row must not hide the rest). */
  jobs: StoredJob[] | { error: string };
  jobRuns: JobRun[] | { error: string };
}

export async function runStatus(argv: string[], out: { log(line: string): void }, options: { signal?: AbortSignal; stream?: ProgressStream } = {}): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' },
      runs: { type: 'string', default: '10' },
      'job-runs': { type: 'string', default: '10' },
      json: { type: 'boolean', default: false },
      watch: { type: 'boolean', default: false },
      interval: { type: 'string', default: '2' },
    },
    strict: true,
  });
  if (values.db === undefined) throw new Error('--db FILE is required: the client database to inspect.');
  // Checked first for a clearer message than SQLite's "unable to open database file".
  if (!existsSync(values.db)) throw new Error(`No client database at ${values.db}.`);
  // Read-only: status never changes the file it inspects (no schema written into a stray file).
  const store = openReadOnlyStore(values.db);
  try {
    if (values.watch) {
      await watchStatus(store, out.log, { intervalMs: intervalMs(values.interval), signal: options.signal ?? new AbortController().signal, ...(options.stream === undefined ? {} : { stream: options.stream }) });
      return 0;
    }
    const status = await readStatus(store, Number(values.runs), Number(values['job-runs']));
    out.log(values.json ? JSON.stringify(status) : formatStatus(values.db, status));
    return 0;
  } finally {
    await store.close();
  }
}

function intervalMs(text: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) throw new Error(`--interval: expected a number of seconds > 0 (e.g. 2), got "${text}".`);
  return Math.max(10, Math.round(seconds * 1000));
}

async function readStatus(store: Store, runs: number, jobRuns: number): Promise<Status> {
  const local = await readLocalStatus(store, runs);
  const now = Date.now();
  const metrics = await store.read((tx) => readDrainMetrics(tx, now));
  const jobs = await store.read(readJobs).catch((e: unknown) => ({ error: (e as Error).message }));
  const history = await store.read((tx) => readJobRuns(tx, { limit: jobRuns })).catch((e: unknown) => ({ error: (e as Error).message }));
  return { ...local, metrics, jobs, jobRuns: history };
}

function formatStatus(path: string, s: Status): string {
  const m = s.metrics;
  const lines = [
    `client database   ${path}`,
    `clientId          ${s.clientId ?? '(none yet)'}`,
    `cursor            ${s.cursor}`,
    `mutations made    ${s.nextMutationId - 1}`,
    `outbox            ${s.outbox} (${s.unsettled} awaiting an outcome)`,
    `oldest pending    ${m.oldestPendingAgeMs === undefined ? '-' : `${duration(m.oldestPendingAgeMs)} old`}`,
    `last success      ${m.lastSuccessAgeMs === undefined ? 'never' : `${duration(m.lastSuccessAgeMs)} ago`}`,
    `drain estimate    ${m.estimatedDrainMs === undefined ? 'unknown (no measured rate yet)' : duration(m.estimatedDrainMs)}` +
      (m.drainRatePerSecond === undefined ? '' : ` at ${m.drainRatePerSecond.toFixed(1)} mutations/s`),
    `rejected          ${m.rejected} (${m.deadLettered} dead-lettered by the server in the log)`,
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
  lines.push('', ...formatJobs(s));
  return lines.join('\n');
}

function formatJobs(s: Status): string[] {
  if ('error' in s.jobs) return [`background jobs: unreadable: ${s.jobs.error}`];
  const lines = [s.jobs.length === 0 ? 'no background jobs' : 'background jobs:'];
  for (const j of s.jobs) {
    const next = j.nextDueAt === null ? 'on trigger' : `next ${new Date(j.nextDueAt).toISOString()}`;
    const last = j.lastRun === null ? 'never ran' : `last ${j.lastRun.outcome}${j.lastRun.error === null ? '' : ` (${j.lastRun.error.code})`}`;
    lines.push(`  ${j.id}  ${j.trigger.padEnd(12)} ${j.priority.padEnd(6)} ${next}  runs ${j.runs}  failing ${j.attempts}  ${last}`);
  }
  if ('error' in s.jobRuns) return [...lines, `job runs: unreadable: ${s.jobRuns.error}`];
  lines.push(s.jobRuns.length === 0 ? 'no job runs recorded' : 'last job runs (newest first):');
  for (const r of s.jobRuns) {
    const error = r.error === null ? '' : `  ${r.error.code}: ${r.error.message}`;
    lines.push(`  ${new Date(r.startedAt).toISOString()}  ${r.jobId}  ${r.trigger.padEnd(12)} ${r.outcome.padEnd(9)} ${r.durationMs} ms  ↑${r.bytesUp} B ↓${r.bytesDown} B${error}`);
  }
  return lines;
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
