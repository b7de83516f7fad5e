/** `syncline demo`: run the POS scenario and print its report (a table, or one JSON object with --json). */
import { parseArgs } from 'node:util';
import { runDemo, type DemoReport } from '../demo/run-demo.js';
import { FISCAL_BREAKS, type FiscalBreak } from '../demo/fiscal-scenario.js';

export async function runDemoCommand(argv: string[], signal: AbortSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      clients: { type: 'string', default: '3' },
      receipts: { type: 'string', default: '30' },
      seed: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
      pace: { type: 'string', default: '40' },
      // A deliberately broken fiscal variant, to see the report catch it.
      break: { type: 'string' },
    },
    strict: true,
  });
  const clients = positiveInt(values.clients, '--clients');
  const receipts = positiveInt(values.receipts, '--receipts');
  const seed = positiveInt(values.seed, '--seed');
  const paceMs = positiveInt(values.pace, '--pace');
  const fiscalBroken = brokenVariant(values.break);
  const live = process.stderr.isTTY;
  if (!values.json) console.error(`Demo: ${clients} tills × ${receipts} steps, seed ${seed}. Outage in the middle third; faults injected throughout.`);
  const report = await runDemo({
    clients,
    receipts,
    seed,
    paceMs,
    signal,
    ...(fiscalBroken === undefined ? {} : { fiscalBroken }),
    onProgress: (line) => {
      if (live) process.stderr.write(`\r\x1b[K${line}`);
    },
    onPhase: (line) => {
      if (!values.json) process.stderr.write(`${live ? '\r\x1b[K' : ''}${line}\n`);
    },
  });
  if (live) process.stderr.write('\r\x1b[K');
  if (values.json) console.log(JSON.stringify(report));
  else console.log(formatReport(report));
  return report.ok ? 0 : 1;
}

function positiveInt(raw: string, flag: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${raw}".`);
  return n;
}

function brokenVariant(raw: string | undefined): FiscalBreak | undefined {
  if (raw === undefined) return undefined;
  if ((FISCAL_BREAKS as readonly string[]).includes(raw)) return raw as FiscalBreak;
  throw new Error(`--break must be one of ${FISCAL_BREAKS.join(', ')}, got "${raw}".`);
}

function formatReport(r: DemoReport): string {
  const rows: Array<[string, string]> = [
    ['documents created (sales + voids)', `${r.created} (${r.created - r.voids} + ${r.voids})`],
    ['  of which invalid voids (must be rejected)', String(r.expectedRejections)],
    ['on server', String(r.onServer)],
    ['mutations the server ran to an outcome', String(r.applications.applications)],
    ['duplicates (a mutation id run again)', String(r.duplicates)],
    ['out of order (a lower id after a higher one)', String(r.outOfOrder)],
    ['documents duplicated / out of order', `${r.documents.duplicates} / ${r.documents.outOfOrder}`],
    ['lost', String(r.lost)],
    ['unexpected rejections', String(r.unexpectedRejections)],
    ['document numbers gap-free', r.documentNumbersGapFree ? 'yes' : 'NO'],
    ['replicas converged', r.replicasConverged ? 'yes' : 'NO'],
    ['product edits in conflict, resolved', `${r.conflicts.total} (${Object.entries(r.conflicts.byResolution).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'})`],
    ['stock on server = start − all sales', r.stock.consistent ? `yes (${r.stock.onServer})` : `NO (${r.stock.onServer}, expected ${r.stock.expected})`],
    ['client restarts', String(r.restarts)],
    ['fiscal: documents registered once / on server', `${r.fiscal.registered} / ${r.fiscal.documents} (${r.fiscal.accepted} accepted, ${r.fiscal.refused} refused)`],
    ['fiscal: registered twice / missing / unknown', `${r.fiscal.duplicatesPerformed} / ${r.fiscal.missing} / ${r.fiscal.unknown}`],
    ['fiscal: requests seen (retries answered once)', `${r.fiscal.requests} (${r.fiscal.deduplicated})`],
    ['fiscal faults: dropped / 503 / lost answer / slow', `${r.fiscal.faults.droppedBefore} / ${r.fiscal.faults.serverErrors} / ${r.fiscal.faults.droppedAfter} / ${r.fiscal.faults.slow}`],
    ['fiscal callbacks: applied / duplicates refused', `${r.fiscal.callbacks.applied} / ${r.fiscal.callbacks.duplicateRefused} of ${r.fiscal.callbacks.duplicatesSent} (${r.fiscal.callbacks.late} late)`],
    ['fiscal status final on every till', r.fiscal.statusMismatches === 0 && r.fiscal.tillsConverged === r.clients ? `yes (${r.fiscal.tillsConverged}/${r.clients} tills)` : `NO (${r.fiscal.tillsConverged}/${r.clients} tills, ${r.fiscal.statusMismatches} wrong)`],
    ['fiscal dead letters', String(r.fiscal.deadLetters)],
    ['faults: dropped / 5xx / lost responses / duplicated', `${r.faults.dropped} / ${r.faults.serverErrors} / ${r.faults.lostResponses} / ${r.faults.duplicates}`],
    ['duration', `${(r.durationMs / 1000).toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  return [...lines, '', r.ok ? 'OK: every document reached the server exactly once, in order, and was registered with the fiscal service exactly once; stock merged without a lost update.' : 'FAILED: see the rows above.'].join('\n');
}
