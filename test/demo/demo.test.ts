import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/run-demo.js';

describe('the demo', () => {
  it('delivers every document exactly once, in order, through outage, faults and restarts', async () => {
    const report = await runDemo({ clients: 3, receipts: 25, seed: 11, paceMs: 4 });
    expect(report).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0, unexpectedRejections: 0, documentNumbersGapFree: true, replicasConverged: true, ok: true });
    expect(report.onServer).toBe(report.created - report.expectedRejections);
    // Counted at the sync layer: every sale and void (rejected ones too) ran exactly once, in order.
    expect(report.applications).toEqual({ applications: report.created, duplicates: 0, outOfOrder: 0, rolledBack: 0 });
    expect(report.documents).toEqual({ duplicates: 0, outOfOrder: 0 });
    // The scenario really exercised what it claims to.
    expect(report.faults.lostResponses + report.faults.dropped + report.faults.serverErrors).toBeGreaterThan(0);
  }, 120_000);

  it('prints one JSON object on stdout with --json', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--json', '--clients', '2', '--receipts', '10', '--pace', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    const report = JSON.parse(out) as Record<string, unknown>;
    expect(report).toMatchObject({ clients: 2, receiptsPerClient: 10, ok: true });
  }, 120_000);
});
