// The demo's fiscal part over real loopback HTTP: every document registered with the flaky simulated
// fiscal service exactly once, its final status on every till; and the report catching the two
// deliberately broken variants (a service that does not deduplicate by Idempotency-Key, an effect
// handler that reports success before the request is answered). Fault rates are raised so that a
// short run surely meets each fault.
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/run-demo.js';

const SHORT = { clients: 2, receipts: 12, seed: 7, paceMs: 2 };

describe('the demo with the fiscal service', () => {
  it('registers every document exactly once through drops, 503s, slow answers and duplicate callbacks; every till shows its final status', async () => {
    const report = await runDemo({ ...SHORT, fiscalFaults: { dropAfter: 0.2, duplicateCallback: 0.5, late: 0.3 } });
    const { fiscal } = report;
    expect(fiscal).toMatchObject({ duplicatesPerformed: 0, missing: 0, unknown: 0, deadLetters: 0, statusMismatches: 0, tillsConverged: SHORT.clients, settled: true, ok: true });
    expect(fiscal.documents).toBe(report.onServer);
    expect(fiscal.registered).toBe(fiscal.documents);
    expect(fiscal.accepted + fiscal.refused).toBe(fiscal.documents);
    // Retries really happened and were answered from the stored registration, and duplicate callbacks were refused.
    expect(fiscal.requests).toBeGreaterThan(fiscal.registered);
    expect(fiscal.deduplicated).toBeGreaterThan(0);
    expect(fiscal.faults.droppedAfter).toBeGreaterThan(0);
    expect(fiscal.callbacks.applied).toBe(fiscal.documents);
    expect(fiscal.callbacks.duplicateRefused).toBeGreaterThan(0);
    expect(fiscal.callbacks.notApplied).toBe(0);
    expect(report).toMatchObject({ ok: true, replicasConverged: true, lost: 0, duplicates: 0 });
  }, 120_000);

  it('catches a fiscal service that does not deduplicate by Idempotency-Key', async () => {
    const report = await runDemo({ ...SHORT, fiscalBroken: 'no-dedup', fiscalFaults: { dropAfter: 0.4 } });
    expect(report.fiscal.duplicatesPerformed).toBeGreaterThan(0);
    expect(report.fiscal.ok).toBe(false);
    expect(report.ok).toBe(false);
  }, 120_000);

  it('catches an effect handler that reports success before the fiscal service answered', async () => {
    const report = await runDemo({ ...SHORT, fiscalBroken: 'ack-before-send', fiscalFaults: { dropBefore: 0.3, serverError: 0.2 } });
    expect(report.fiscal.missing).toBeGreaterThan(0);
    // The tills show those documents stuck at 'submitted': the status check fails too.
    expect(report.fiscal.statusMismatches).toBeGreaterThan(0);
    expect(report.fiscal.ok).toBe(false);
    expect(report.ok).toBe(false);
  }, 120_000);
});
