// The demo's tills edit the shared products concurrently (stock on every sale, prices now and then,
// through an outage): the report shows the conflicts the server resolved, and no stock was lost.
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/run-demo.js';

describe('the demo with concurrent product edits', () => {
  it('reports resolved conflicts and keeps stock exact', async () => {
    const report = await runDemo({ clients: 3, receipts: 20, seed: 5, paceMs: 4 });
    expect(report.ok).toBe(true);
    expect(report.conflicts.total).toBeGreaterThan(0);
    expect(report.conflicts.byResolution['merged'] ?? 0).toBeGreaterThan(0);
    expect(report.stock).toEqual({ expected: report.stock.onServer, onServer: report.stock.expected, consistent: true });
  }, 120_000);
});
