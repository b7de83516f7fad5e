// A run's write-back must not undo what other instances wrote to the job while it ran: a due time a
// data-change trigger recorded elsewhere (that run is still owed), or a claim another instance took
// after this run's lease lapsed (the row is theirs).
import { describe, expect, it } from 'vitest';
import { settleJob, settledRow, type StoredJob } from '../../src/core/job-store.js';

const base: StoredJob = {
  v: 1,
  id: 'job-1',
  trigger: 'data-change',
  options: {},
  priority: 'low',
  intervalMs: 60_000,
  debounceMs: 500,
  createdAt: 0,
  nextDueAt: 1_000,
  attempts: 0,
  runs: 0,
  claimedUntil: 61_000,
  lastRun: null,
} as StoredJob;

const settle = (claimed: StoredJob, outcome: 'completed' | 'failed', at = 5_000) => settleJob(claimed, { at, outcome, syncId: 's', error: null });

describe('settledRow', () => {
  it('writes the settled job when nobody touched the row during the run', () => {
    const settled = settle(base, 'completed');
    expect(settledRow(base, base, settled)).toEqual(settled);
    expect(settled.nextDueAt).toBeNull();
  });

  it('keeps a due time another instance recorded during the run', () => {
    const current = { ...base, nextDueAt: 4_200 };
    expect(settledRow(current, base, settle(base, 'completed'))?.nextDueAt).toBe(4_200);
    // A failed run's retry (5 000 + 1 000) comes later than the recorded trigger: the trigger wins.
    expect(settledRow(current, base, settle(base, 'failed'))?.nextDueAt).toBe(4_200);
    // And an earlier retry wins over a later trigger.
    expect(settledRow({ ...base, nextDueAt: 9_000 }, base, settle(base, 'failed'))?.nextDueAt).toBe(6_000);
  });

  it('writes nothing when another instance claimed the job after this lease lapsed', () => {
    const current = { ...base, claimedUntil: 130_000 };
    expect(settledRow(current, base, settle(base, 'completed'))).toBeUndefined();
  });
});
