/**
 * Pull-ahead scenario: a fresh client pulls N receipts over a link with a real round trip but ample
 * bandwidth (like 4G: 100 ms RTT, 20 Mbit/s), once asking for each page only after applying the last
 * (concurrency 1) and once fetching a page ahead (concurrency 2), into a SQLite file (its commit is
 * the work the page ahead overlaps; into the memory store the two are equal). Runs alternate; the median of
 * each is reported, so a slow moment of the machine does not land on one side only.
 */
import { join } from 'node:path';
import { runChild, startChild } from './children.js';

const TOKEN = 'bench-token';
const SCOPE = 'bench-shop';
export const PULL_AHEAD_LINK = { oneWayDelayMs: 50, bytesPerSecond: 20_000_000 / 8 };

export interface PullAheadResult {
  receipts: number;
  pageSize: number;
  runs: number;
  /** Median pull time per concurrency, ms. */
  medianMs: Record<'1' | '2', number>;
  pages: number;
  requests: Record<'1' | '2', number>;
}

interface ClientReport {
  ms: number;
  requests: number;
  pages: number;
  pulled: number;
}

export async function runPullAhead(dir: string, receipts: number, pageSize: number, runs: number, log: (line: string) => void): Promise<PullAheadResult> {
  const server = startChild('server-process.ts', ['--db', join(dir, 'server-pull-ahead.db'), '--token', TOKEN, '--scope', SCOPE]);
  const { url } = await server.next<{ url: string }>();
  const proxy = startChild('shaped-link-proxy.ts', ['--target', new URL(url).port, '--delay-ms', String(PULL_AHEAD_LINK.oneWayDelayMs), '--bytes-per-second', String(PULL_AHEAD_LINK.bytesPerSecond)]);
  const { port } = await proxy.next<{ port: number }>();
  try {
    log(`  pull ahead: seeding ${receipts} receipts`);
    await runChild('shaped-link-client.ts', ['push', '--url', url, '--token', TOKEN, '--count', String(receipts)]);
    const times: Record<'1' | '2', number[]> = { '1': [], '2': [] };
    const reports: Partial<Record<'1' | '2', ClientReport>> = {};
    for (let run = 0; run < runs; run += 1) {
      for (const concurrency of ['1', '2'] as const) {
        log(`  pull ahead: run ${run + 1}/${runs}, concurrency ${concurrency}`);
        const store = join(dir, `client-pull-ahead-${run}-${concurrency}.db`);
        const args = ['pull', '--url', `http://127.0.0.1:${port}`, '--token', TOKEN, '--compress', '--page-size', String(pageSize), '--concurrency', concurrency, '--sqlite', store];
        const report = await runChild<ClientReport>('shaped-link-client.ts', args);
        if (report.pulled !== receipts) throw new Error(`pull-ahead run pulled ${report.pulled} of ${receipts} receipts`);
        times[concurrency].push(report.ms);
        reports[concurrency] = report;
      }
    }
    return {
      receipts,
      pageSize,
      runs,
      medianMs: { '1': median(times['1']), '2': median(times['2']) },
      pages: reports['2']?.pages ?? 0,
      requests: { '1': reports['1']?.requests ?? 0, '2': reports['2']?.requests ?? 0 },
    };
  } finally {
    proxy.send('quit');
    server.send('stop');
    await server.next().catch(() => undefined);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function pullAheadTable(r: PullAheadResult): string {
  const rows = (['1', '2'] as const).map((c) => [
    c === '1' ? '1 (page after page)' : '2 (one page ahead)',
    String(r.requests[c]),
    `${(r.medianMs[c] / 1000).toFixed(2)} s`,
    c === '1' ? '' : `${(((r.medianMs['1'] - r.medianMs['2']) / r.medianMs['1']) * 100).toFixed(0)} % faster`,
  ]);
  const header = ['concurrency', 'requests', `median of ${r.runs}`, ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
