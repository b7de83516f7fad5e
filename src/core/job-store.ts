/**
 * Background jobs as persisted records in the client's store, so a scheduled job survives a restart
 * and a job that fell due while the app was closed runs at the next start.
 *
 * Tables (additions within local format 1; a syncline without jobs never reads them):
 *  - `jobs`      one row per job, keyed by job id: `StoredJob`.
 *  - `job_runs`  the per-run history, keyed by encodeSeq(meta/jobRunSeq): `JobRun` (job-history.ts).
 *
 * Row format history (`v` in every row):
 *  - 1: first version.
 *
 * A run is *claimed* in a write transaction before it starts (`claimedUntil`), so two tabs or
 * processes that both load the job do not run the same due instance twice. The claim is a lease, not
 * a flag: a process killed mid-run leaves a claim that expires, and the job runs again.
 */
import * as z from '../protocol/shape.js';
import { wholeNumber } from '../protocol/wire.js';
import type { JsonValue } from '../protocol/json.js';
import type { StoreReader, StoreWriter } from '../stores/store.js';
import { StoredDataError } from './errors.js';

export const JOB_TABLES = { jobs: 'jobs', runs: 'job_runs' } as const;
export const JOB_FORMAT = 1 as const;

export const jobTriggers = ['periodic', 'connectivity', 'data-change', 'manual'] as const;
export type JobTrigger = (typeof jobTriggers)[number];

const nonNegativeInt = () => wholeNumber(0);
const priority = z.literal('high', 'normal', 'low');

/** The seed's `SyncOptions`, as far as a job keeps them (validated again when the job runs). */
const jobOptions = z.strictObject({
  operation: z.optional(z.literal('delta', 'full')),
  direction: z.optional(z.literal('push', 'pull', 'bidirectional')),
  strategy: z.optional(z.literal('batched')),
  priority: z.optional(z.literal('high', 'normal', 'low', 'critical')),
  collections: z.optional(z.array(z.string())),
});

const jobError = z.strictObject({ code: z.string(), message: z.string() });
export type JobError = z.Infer<typeof jobError>;

export const storedJobSchema = z.strictObject({
  v: z.literal(JOB_FORMAT),
  id: z.refine(z.string(), (id) => id.length > 0, 'must not be empty'),
  trigger: z.literal(...jobTriggers),
  options: jobOptions,
  priority,
  /** Period of a `periodic` job, and the cap of every job's retry delay (ms). */
  intervalMs: wholeNumber(1),
  /** Quiet time after the last local write before a `data-change` job runs (ms). */
  debounceMs: nonNegativeInt(),
  createdAt: z.number(),
  /** When the job should run next (client clock, ms); null = waiting for its trigger. */
  nextDueAt: z.nullable(z.number()),
  /** Consecutive failed runs; 0 after a success. Drives the retry delay. */
  attempts: nonNegativeInt(),
  runs: nonNegativeInt(),
  /** A run in progress until this time (another instance leaves the job alone until then). */
  claimedUntil: z.nullable(z.number()),
  lastRun: z.nullable(
    z.strictObject({
      at: z.number(),
      outcome: z.literal('completed', 'failed', 'cancelled'),
      syncId: z.string(),
      error: z.nullable(jobError),
    }),
  ),
});
export type StoredJob = z.Infer<typeof storedJobSchema>;
export type JobOptions = z.Infer<typeof jobOptions>;

export function parseStoredJob(raw: JsonValue | undefined, where: string): StoredJob {
  const parsed = storedJobSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const found = typeof raw === 'object' && raw !== null && 'v' in raw ? `format ${JSON.stringify((raw as { v: unknown }).v)}` : 'an unknown shape';
  throw new StoredDataError(
    `The background job at ${where} has ${found} and does not match job format ${JOB_FORMAT} ` +
      `(${parsed.error.message}). ` +
      'It was written by another syncline version or altered outside syncline; cancel it with cancelJob() or open the database with the version that wrote it.',
    { cause: parsed.error, details: { where } },
  );
}

export async function readJobs(tx: StoreReader): Promise<StoredJob[]> {
  const rows = await tx.scan(JOB_TABLES.jobs);
  return rows.map(([key, raw]) => parseStoredJob(raw, `${JOB_TABLES.jobs}/${key}`));
}

export async function readJob(tx: StoreReader, id: string): Promise<StoredJob | undefined> {
  const raw = await tx.get(JOB_TABLES.jobs, id);
  return raw === undefined ? undefined : parseStoredJob(raw, `${JOB_TABLES.jobs}/${id}`);
}

export async function putJob(tx: StoreWriter, job: StoredJob): Promise<void> {
  await tx.put(JOB_TABLES.jobs, job.id, job as unknown as JsonValue);
}

export async function deleteJob(tx: StoreWriter, id: string): Promise<boolean> {
  const existed = (await tx.get(JOB_TABLES.jobs, id)) !== undefined;
  if (existed) await tx.delete(JOB_TABLES.jobs, id);
  return existed;
}

/** Due for the automatic scheduler: due time reached and nobody else is running it. */
export function isDue(job: StoredJob, now: number): boolean {
  return job.nextDueAt !== null && job.nextDueAt <= now && (job.claimedUntil === null || job.claimedUntil <= now);
}

/**
 * Take the job for one run if it is still due and unclaimed (or `force`: the app asked for it, and
 * a due time in the future — a retry delay — does not hold it back). Returns the claimed job, or
 * undefined when another instance has it, it was cancelled, or it is not due.
 */
export async function claimJob(tx: StoreWriter, id: string, now: number, leaseMs: number, force = false): Promise<StoredJob | undefined> {
  const job = await readJob(tx, id);
  if (job === undefined) return undefined;
  if (job.claimedUntil !== null && job.claimedUntil > now) return undefined;
  if (job.nextDueAt === null || (!force && job.nextDueAt > now)) return undefined;
  const claimed = { ...job, claimedUntil: now + leaseMs };
  await putJob(tx, claimed);
  return claimed;
}

/**
 * Extend a claim that is still ours (`claimedUntil` as we set it) to `until`; undefined when another
 * instance holds the row now (our lease lapsed and it claimed the job) or the job was cancelled.
 * Only the claim moves: a due time another instance recorded meanwhile stays in the row.
 */
export async function renewClaim(tx: StoreWriter, id: string, ours: number | null, until: number): Promise<number | undefined> {
  const job = await readJob(tx, id);
  if (job === undefined || ours === null || job.claimedUntil !== ours) return undefined;
  await putJob(tx, { ...job, claimedUntil: until });
  return until;
}

/** Retry delay after `attempts` consecutive failures: 1 s, 2 s, 4 s, … capped at the job's interval. */
export function retryDelayMs(job: Pick<StoredJob, 'attempts' | 'intervalMs'>): number {
  return Math.min(job.intervalMs, 1000 * 2 ** Math.min(Math.max(job.attempts - 1, 0), 30));
}

/** The job after a run ended: counts, last run, next due time; the claim is released. */
export function settleJob(job: StoredJob, run: { at: number; outcome: 'completed' | 'failed' | 'cancelled'; syncId: string; error: JobError | null }): StoredJob {
  const failed = run.outcome !== 'completed';
  const attempts = failed ? job.attempts + 1 : 0;
  let nextDueAt: number | null;
  if (failed) nextDueAt = run.at + retryDelayMs({ attempts, intervalMs: job.intervalMs });
  else if (job.trigger === 'periodic') nextDueAt = run.at + job.intervalMs;
  else nextDueAt = null;
  return { ...job, attempts, runs: job.runs + 1, nextDueAt, claimedUntil: null, lastRun: run };
}

/**
 * What to store when a run settles, given the row as it is now. Other tabs and processes write the
 * row while a run is going. If another instance claimed the job after this run's lease lapsed, the
 * row is theirs, and the answer is undefined: write nothing. If a due time was recorded during the
 * run (a data-change trigger elsewhere), the earlier of it and the settled due time is kept. That
 * run is still owed: the push it asks for may not have seen the write that triggered it.
 */
export function settledRow(current: StoredJob, claimed: StoredJob, settled: StoredJob): StoredJob | undefined {
  if (current.claimedUntil !== claimed.claimedUntil) return undefined;
  const recorded = current.nextDueAt !== claimed.nextDueAt ? current.nextDueAt : null;
  if (recorded === null) return settled;
  return { ...settled, nextDueAt: settled.nextDueAt === null ? recorded : Math.min(settled.nextDueAt, recorded) };
}
