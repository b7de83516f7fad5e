// Crash test: a till process writing receipts through the SQLite store is killed with SIGKILL at
// random moments, restarted several times, then drains. Every receipt whose create() returned must
// be on the server exactly once, in order, with gap-free document numbers — and the server must have
// run each mutation once, in per-client id order, counted at the sync layer (the receipts domain
// would quietly refuse a re-applied resend, so the receipts alone cannot show a duplicate).
import { describe, expect, it } from 'vitest';
import { runCrashScenario } from './fixtures/crash-scenario.js';

const TOTAL = 1000;
const KILLS = 6;

describe('SIGKILL at random moments', () => {
  it('loses nothing that was acknowledged and duplicates nothing', async () => {
    const outcome = await runCrashScenario({ total: TOTAL, kills: KILLS });
    expect(outcome.kills).toBeGreaterThanOrEqual(3);

    // Every acknowledged receipt is there; ids are exactly 1..TOTAL, each once.
    for (const n of outcome.acknowledged) expect(outcome.ids).toContain(n);
    expect(outcome.ids).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    // Per-client order: document numbers follow creation order and have no gaps.
    expect(outcome.documentNumbers).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    // The server ran every mutation exactly once, in id order.
    expect(outcome.applications).toEqual({ applications: TOTAL, duplicates: 0, outOfOrder: 0, rolledBack: 0 });
  }, 180_000);
});
