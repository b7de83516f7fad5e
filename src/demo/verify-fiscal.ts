/**
 * Checks the fiscal part of the demo against the fiscal service's own ledger: every document on the
 * sync server performed there exactly once (none twice, none missing, none the server does not
 * know), and every till's replica — and the server — shows each document's final status with the
 * fiscal id the service issued.
 */
import type { FiscalServiceStats, Registration } from './fiscal-service.js';
import type { ServerDocument } from './verify-demo.js';

export interface FiscalCheck {
  /** Documents on the sync server, each of which must be registered. */
  documents: number;
  /** Distinct documents the fiscal service performed a registration for. */
  registered: number;
  accepted: number;
  refused: number;
  /** Second and later registrations performed for one document. Must be 0. */
  duplicatesPerformed: number;
  /** Documents on the server the fiscal service never registered. Must be 0. */
  missing: number;
  /** Registrations of documents the server does not have (an effect of a rolled-back sale). Must be 0. */
  unknown: number;
  /** Requests the fiscal service received: above `registered` because attempts failed and were retried. */
  requests: number;
  /** Retries the fiscal service answered from the stored registration (Idempotency-Key). */
  deduplicated: number;
  faults: FiscalServiceStats['faults'];
  callbacks: { applied: number; duplicateRefused: number; duplicatesSent: number; late: number; retried: number; notApplied: number };
  /** Effects that gave up (dead letters). Must be 0. */
  deadLetters: number;
  /** Tills whose replica shows every document's final fiscal status and id. */
  tillsConverged: number;
  /** (replica, document) pairs — the server's included — whose status or fiscal id is not the final one. */
  statusMismatches: number;
  settled: boolean;
  ok: boolean;
}

export interface FiscalEvidence {
  performed: readonly Registration[];
  stats: FiscalServiceStats;
  serverDocs: readonly ServerDocument[];
  replicas: ReadonlyArray<readonly ServerDocument[]>;
  deadLetters: number;
  settled: boolean;
}

export function checkFiscal(evidence: FiscalEvidence): FiscalCheck {
  const { performed, stats, serverDocs, replicas } = evidence;
  const onServer = new Set(serverDocs.map((d) => d.key));
  const last = new Map<string, Registration>();
  let duplicatesPerformed = 0;
  for (const registration of performed) {
    if (last.has(registration.document.receiptId)) duplicatesPerformed += 1;
    last.set(registration.document.receiptId, registration);
  }
  const finals = [...last.values()];
  const statusMismatches = [serverDocs, ...replicas].map((docs) => mismatches(docs, serverDocs, last));
  const check: FiscalCheck = {
    documents: serverDocs.length,
    registered: finals.filter((r) => onServer.has(r.document.receiptId)).length,
    accepted: finals.filter((r) => r.outcome === 'accepted').length,
    refused: finals.filter((r) => r.outcome === 'refused').length,
    duplicatesPerformed,
    missing: serverDocs.filter((d) => !last.has(d.key)).length,
    unknown: finals.filter((r) => !onServer.has(r.document.receiptId)).length,
    requests: stats.requests,
    deduplicated: stats.deduplicated,
    faults: stats.faults,
    callbacks: {
      applied: stats.callbacks.applied,
      duplicateRefused: stats.callbacks.replayRefused,
      duplicatesSent: stats.callbacks.duplicatesSent,
      late: stats.callbacks.late,
      retried: stats.callbacks.retried,
      notApplied: stats.callbacks.notApplied,
    },
    deadLetters: evidence.deadLetters,
    tillsConverged: statusMismatches.slice(1).filter((n) => n === 0).length,
    statusMismatches: statusMismatches.reduce((a, b) => a + b, 0),
    settled: evidence.settled,
    ok: false,
  };
  check.ok = check.duplicatesPerformed === 0 && check.missing === 0 && check.unknown === 0 && check.deadLetters === 0 &&
    check.statusMismatches === 0 && check.callbacks.notApplied === 0 && check.tillsConverged === replicas.length && check.settled;
  return check;
}

/** Documents of the server missing from `docs`, or not showing the status and id of their registration. */
function mismatches(docs: readonly ServerDocument[], serverDocs: readonly ServerDocument[], last: ReadonlyMap<string, Registration>): number {
  const byKey = new Map(docs.map((d) => [d.key, d.value]));
  let count = 0;
  for (const { key } of serverDocs) {
    const value = byKey.get(key);
    const registration = last.get(key);
    const expected = registration === undefined ? undefined : registration.outcome === 'accepted' ? 'registered' : 'refused';
    if (value === undefined || expected === undefined || value['fiscalStatus'] !== expected || value['fiscalId'] !== registration?.fiscalId) count += 1;
  }
  return count;
}
