/** Plain-text tables of the resume-overhead and digest-cost benches. */
import type { ResumeResult } from './resume.js';

export function resumeTable(r: ResumeResult): string {
  const s = r.scenarios;
  const rows: string[][] = [
    ['client processes', ...s.map((x) => count(x.runs))],
    ['pull requests', ...s.map((x) => count(x.pullRequests))],
    ['bytes down (server-counted)', ...s.map((x) => bytes(x.bytesDown))],
    ['extra bytes', ...s.map((x) => (x.interruptions === 0 ? '—' : `${bytes(x.extraBytes)} (${signed(x.extraBytesPercent, 1)} %)`))],
    ['sync time (sum of runs)', ...s.map((x) => seconds(x.syncMs))],
    ['extra sync time', ...s.map((x) => (x.interruptions === 0 ? '—' : signedSeconds(x.extraSyncMs)))],
    ['wall time incl. restarts', ...s.map((x) => seconds(x.wallMs))],
    ['extra wall time', ...s.map((x) => (x.interruptions === 0 ? '—' : signedSeconds(x.extraWallMs)))],
    ['last run: outcome, digest', ...s.map((x) => `${x.final.outcome}, ${x.final.verify}`)],
  ];
  return table(['', ...s.map((x) => (x.interruptions === 0 ? 'uninterrupted' : `${x.interruptions} kill${x.interruptions === 1 ? '' : 's'}`))], rows);
}

export function digestTable(r: ResumeResult): string {
  const d = r.digest;
  const per100k = (ms: number, n: number): string => (n > 0 ? `${seconds((ms * 100_000) / n)} per 100k` : 'n/a');
  const rows: string[][] = [
    [`client: localDigests over ${count(d.records)} confirmed records (SQLite)`, seconds(d.clientLocalDigestsMs), per100k(d.clientLocalDigestsMs, d.records)],
    ['client: whole verify phase (run history phases.verify)', seconds(d.clientVerifyPhaseMs), per100k(d.clientVerifyPhaseMs, d.records)],
    [`server: backfillDigests over ${count(d.server.rows)} rows`, seconds(d.server.backfillMs), per100k(d.server.backfillMs, d.server.rows)],
    ['server: readDigests (added to a pull\'s last page)', seconds(d.server.readDigestsMs), 'independent of N'],
    [`server: updateDigest alone, ${count(d.server.updateDigestWrites)} writes in one tx`, `${d.server.updateDigestUsPerWrite.toFixed(1)} µs/write`, 'per record write'],
  ];
  return table(['', 'measured', 'scaled'], rows);
}

function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => (row[col] ?? '').length)));
  const line = (row: string[]): string => `| ${row.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function seconds(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 2 : 0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function signedSeconds(ms: number): string {
  return `${ms >= 0 ? '+' : '−'}${seconds(Math.abs(ms))}`;
}

function signed(n: number, digits: number): string {
  return `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(digits)}`;
}

function bytes(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  const sign = n < 0 ? '−' : '';
  const a = Math.abs(n);
  if (a < 1024) return `${sign}${a} B`;
  if (a < 1024 * 1024) return `${sign}${(a / 1024).toFixed(1)} KiB`;
  return `${sign}${(a / 1024 / 1024).toFixed(2)} MiB`;
}
