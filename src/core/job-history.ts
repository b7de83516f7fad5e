/**
 * The background-job run history: one row per run with its outcome, error, duration, bytes and
 * trigger, written in the transaction that settles the job, so a run the app saw end is never missing
 * from it. Bounded by count and by age; the oldest rows go first.
 *
 * Row format history (`v`): 1 — first version.
 */
import * as z from '../protocol/shape.js';
import { wholeNumber } from '../protocol/wire.js';
import type { JsonValue } from '../protocol/json.js';
import type { StoreReader, StoreWriter } from '../stores/store.js';
import { encodeSeq } from '../stores/store.js';
import { StoredDataError } from './errors.js';
import { JOB_TABLES, jobTriggers } from './job-store.js';
import { T, readNumber } from './local-schema.js';

/** Meta key of the last job-run sequence number. */
export const JOB_RUN_SEQ = 'jobRunSeq';

export interface JobHistoryLimits {
  /** Runs kept. Default 200. */
  maxRuns: number;
  /** Runs older than this (ms) are dropped. Default 7 days. */
  maxAgeMs: number;
}

export const DEFAULT_JOB_HISTORY: JobHistoryLimits = { maxRuns: 200, maxAgeMs: 7 * 24 * 60 * 60 * 1000 };

export const jobRunSchema = z.strictObject({
  v: z.literal(1),
  /** Position in the history (ascending with time); `history({ before })` pages with it. */
  seq: wholeNumber(1),
  jobId: z.string(),
  trigger: z.literal(...jobTriggers),
  outcome: z.literal('completed', 'failed', 'cancelled'),
  /** Why a run failed: the SynclineError code and message. Null when it completed. */
  error: z.nullable(z.strictObject({ code: z.string(), message: z.string() })),
  /** The sync cycle that ran for the job ('' when the run failed before one started). */
  syncId: z.string(),
  startedAt: z.number(),
  durationMs: z.number(),
  bytesUp: z.number(),
  bytesDown: z.number(),
  /** 1 for a first try, 2 for the first retry after a failure, … */
  attempt: wholeNumber(1),
});
export type JobRun = z.Infer<typeof jobRunSchema>;

/** Append one run (inside the caller's write transaction) and trim the history to its limits. */
export async function appendJobRun(tx: StoreWriter, run: Omit<JobRun, 'v' | 'seq'>, now: number, limits: JobHistoryLimits = DEFAULT_JOB_HISTORY): Promise<JobRun> {
  const seq = readNumber(await tx.get(T.meta, JOB_RUN_SEQ), 0, `meta/${JOB_RUN_SEQ}`) + 1;
  await tx.put(T.meta, JOB_RUN_SEQ, seq);
  const row: JobRun = { v: 1, seq, ...run };
  await tx.put(JOB_TABLES.runs, encodeSeq(seq), row as unknown as JsonValue);
  // By count: sequence numbers are dense, so everything below seq - maxRuns + 1 goes.
  if (seq > limits.maxRuns) {
    for (const [key] of await tx.scan(JOB_TABLES.runs, { end: encodeSeq(seq - limits.maxRuns + 1) })) await tx.delete(JOB_TABLES.runs, key);
  }
  // By age: rows are in start order, so the old ones are a prefix; stop at the first young one.
  const oldest = await tx.scan(JOB_TABLES.runs, { limit: 64 });
  for (const [key, raw] of oldest) {
    const startedAt = (raw as { startedAt?: unknown }).startedAt;
    if (typeof startedAt === 'number' && now - startedAt <= limits.maxAgeMs) break;
    await tx.delete(JOB_TABLES.runs, key);
  }
  return row;
}

export interface JobHistoryQuery {
  /** Most runs returned. Default 50. */
  limit?: number;
  /** Only this job's runs. */
  jobId?: string;
  /** Only runs with `seq` below this (paging back through the history). */
  before?: number;
}

/** Newest first. Every row is validated: a damaged or foreign row is an error, not silently skipped. */
export async function readJobRuns(tx: StoreReader, query: JobHistoryQuery = {}): Promise<JobRun[]> {
  const limit = query.limit ?? 50;
  const out: JobRun[] = [];
  let end = query.before === undefined ? undefined : encodeSeq(query.before);
  // Filtering by job reads in pages, so a busy job elsewhere cannot make this read the whole table.
  while (out.length < limit) {
    const rows = await tx.scan(JOB_TABLES.runs, { reverse: true, limit: query.jobId === undefined ? limit - out.length : 100, ...(end === undefined ? {} : { end }) });
    for (const [key, raw] of rows) {
      const run = parseJobRun(raw, `${JOB_TABLES.runs}/${key}`);
      if (query.jobId === undefined || run.jobId === query.jobId) out.push(run);
      if (out.length === limit) break;
    }
    const last = rows.at(-1);
    if (last === undefined || query.jobId === undefined) break;
    end = last[0];
  }
  return out;
}

function parseJobRun(raw: JsonValue, where: string): JobRun {
  const parsed = jobRunSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new StoredDataError(
    `The background job run at ${where} does not match job-run format 1 (${parsed.error.message}); ` +
      'it was written by another syncline version or altered outside syncline.',
    { cause: parsed.error, details: { where } },
  );
}
