/**
 * Conformance: what durable background jobs need from a store, exercised through the job records
 * themselves (src/core/job-store.ts, job-history.ts) — a job and its history survive reopening, a due
 * run is claimed by exactly one of two instances, a settle (job + history row) is all or nothing, and
 * the bounded history keeps the newest runs in order.
 */
import { describe, expect, it } from 'vitest';
import { appendJobRun, JOB_RUN_SEQ, readJobRuns, type JobRun } from '../core/job-history.js';
import { claimJob, putJob, readJobs, settleJob, type StoredJob } from '../core/job-store.js';
import { T } from '../core/local-schema.js';
import type { Store } from '../stores/store.js';
import type { ConformanceContext } from './store-conformance.js';
import { itWithReopen, rejectionOf } from './store-conformance-helpers.js';

const job = (id: string, nextDueAt: number | null): StoredJob => ({
  v: 1,
  id,
  trigger: 'periodic',
  options: { operation: 'delta', collections: ['a', 'b'] },
  priority: 'normal',
  intervalMs: 60_000,
  debounceMs: 2000,
  createdAt: 1,
  nextDueAt,
  attempts: 0,
  runs: 0,
  claimedUntil: null,
  lastRun: null,
});

const run = (jobId: string, startedAt: number, failed = false): Omit<JobRun, 'v' | 'seq'> => ({
  jobId,
  trigger: 'periodic',
  outcome: failed ? 'failed' : 'completed',
  error: failed ? { code: 'transport', message: 'connection refused — "quoted", ü' } : null,
  syncId: failed ? '' : `sync-${startedAt}`,
  startedAt,
  durationMs: 12,
  bytesUp: 100,
  bytesDown: 2000,
  attempt: 1,
});

export function declareJobTests(context: ConformanceContext): void {
  const { open } = context;
  const itReopen = itWithReopen(context);

  describe('background jobs', () => {
    itReopen('a scheduled job and its run history survive reopening the database', async () => {
      const store = await open();
      await store.write((tx) => putJob(tx, job('job-a', 5000)));
      await store.write(async (tx) => {
        const settled = settleJob(job('job-a', 5000), { at: 5100, outcome: 'failed', syncId: '', error: { code: 'transport', message: 'down' } });
        await putJob(tx, settled);
        await appendJobRun(tx, run('job-a', 5000, true), 5100);
      });
      await store.close();
      const again = await context.reopen();
      const [jobs, runs] = await again.read(async (tx) => [await readJobs(tx), await readJobRuns(tx)] as const);
      expect(jobs).toEqual([{ ...job('job-a', 6100), attempts: 1, runs: 1, lastRun: { at: 5100, outcome: 'failed', syncId: '', error: { code: 'transport', message: 'down' } } }]);
      expect(runs).toEqual([{ v: 1, seq: 1, ...run('job-a', 5000, true) }]);
    });

    itReopen('of two instances claiming one due run at once, exactly one gets it', async () => {
      const first = await open();
      await first.write((tx) => putJob(tx, job('job-a', 1000)));
      const second = await context.reopen();
      await expectOneClaim([first, second]);
    });

    it('of two claims racing on one instance, exactly one gets the run', async () => {
      const store = await open();
      await store.write((tx) => putJob(tx, job('job-a', 1000)));
      await expectOneClaim([store, store]);
    });

    it('a settle that fails writes neither the job nor its history row', async () => {
      const store = await open();
      await store.write((tx) => putJob(tx, job('job-a', 1000)));
      await rejectionOf(
        store.write(async (tx) => {
          await putJob(tx, settleJob(job('job-a', 1000), { at: 1000, outcome: 'completed', syncId: 's', error: null }));
          await appendJobRun(tx, run('job-a', 1000), 1000);
          throw new Error('fail on purpose after both writes');
        }),
      );
      const state = await store.read(async (tx) => ({ jobs: await readJobs(tx), runs: await readJobRuns(tx), seq: await tx.get(T.meta, JOB_RUN_SEQ) }));
      expect(state).toEqual({ jobs: [job('job-a', 1000)], runs: [], seq: undefined });
    });

    it('the bounded history keeps the newest runs, newest first, past 9, 99 and 999 (fixed-width keys)', async () => {
      const store = await open();
      const limits = { maxRuns: 50, maxAgeMs: 1_000_000 };
      for (let i = 1; i <= 1005; i += 67) {
        await store.write(async (tx) => {
          for (let k = i; k < Math.min(i + 67, 1006); k++) await appendJobRun(tx, run(k % 2 === 0 ? 'even' : 'odd', k), k, limits);
        });
      }
      const runs = await store.read((tx) => readJobRuns(tx, { limit: 1000 }));
      expect(runs.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 1005 - i));
      const odd = await store.read((tx) => readJobRuns(tx, { jobId: 'odd', limit: 3, before: 1004 }));
      expect(odd.map((r) => r.seq)).toEqual([1003, 1001, 999]);
      expect(await store.read((tx) => tx.count('job_runs'))).toBe(50);
    });
  });
}

async function expectOneClaim(stores: Store[]): Promise<void> {
  const claims = await Promise.all(stores.map((s) => s.write((tx) => claimJob(tx, 'job-a', 2000, 60_000))));
  expect(claims.filter((c) => c !== undefined)).toHaveLength(1);
  const stored = await stores[0]?.read(readJobs);
  expect(stored?.[0]?.claimedUntil).toBe(62_000);
}
