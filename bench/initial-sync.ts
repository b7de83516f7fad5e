/**
 * `npm run bench -- --only initial-sync`: a fresh client's initial sync of N receipts (bulk-seeded
 * into a SQLite server) into (a) the Node SQLite store, in a child process, and (b) the IndexedDB
 * store in real Chromium (Debian's /usr/bin/chromium through the browser test harness). Reports
 * records/s of the whole `sync()` (pull and the first full verify), and how long the thread running
 * the client was held at a time: Chromium's 'longtask' entries and the longest gap of a 1 ms timer
 * (in the page), the longest gap of the same timer and `monitorEventLoopDelay` (in Node).
 * Issue 13 targets: ≥ 50,000 records/s into SQLite, ≥ 20,000 records/s into IndexedDB, no main-thread
 * task over 50 ms. The server runs in this process; the client's requests cross loopback HTTP.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createSyncServer, serveNode, tokenAuth } from '../src/server.js';
import { seedReceiptDatabase } from '../test/resume/fixtures/seed-receipts.js';
import { hasChromium, launchChromium, serveFixtures } from '../test/browser/browser-harness.js';
import type { InitialSyncRun } from '../test/browser/fixtures/initial-sync-app.js';
import type { CDPSession } from 'playwright-core';
import { runChild } from './children.js';

const TOKEN = 'bench-initial';
const SCOPE = 'bench-initial-shop';

export interface InitialSyncRow {
  store: 'SQLite (Node)' | 'IndexedDB (Chromium)';
  records: number;
  pageSize: number;
  seconds: number;
  recordsPerSecond: number;
  pullMs: number;
  verifyMs: number;
  /** Longest 'longtask' entry, ms (Chromium only; 0 = none over 50 ms). */
  longestTaskMs: number | undefined;
  longTasks: number | undefined;
  /** Longest gap of a 1 ms interval timer on the client's thread, ms. */
  longestGapMs: number;
  /**
   * CPU of the client per record, µs: the Node child's CPU time, or the Chromium page's main-thread
   * task time (the figures that survive a shared machine's load best).
   */
  cpuMicrosPerRecord: number | undefined;
  /** 1-minute load average when the run ended: wall times and task lengths stretch with it. */
  load: number;
  outcome: string;
}

export interface InitialSyncBench {
  records: number;
  seedMs: number;
  rows: InitialSyncRow[];
  skipped?: string;
}

interface NodeRun {
  outcome: string;
  error?: string;
  ms: number;
  cpuMs: number;
  pulled: number;
  pages: number;
  phases: Record<string, number>;
  longestGapMs: number;
  maxLoopDelayMs: number;
}

export async function runInitialSyncBench(dir: string, records: number, pageSizes: number[], log: (line: string) => void): Promise<InitialSyncBench> {
  const dbPath = join(dir, 'server-initial.db');
  log(`initial-sync: seeding ${records} receipts in bulk`);
  const seeded = await seedReceiptDatabase(dbPath, SCOPE, records);
  const server = createSyncServer({ database: { sqlite: dbPath }, auth: tokenAuth({ [TOKEN]: SCOPE }) });
  const rows: InitialSyncRow[] = [];
  let skipped: string | undefined;
  try {
    const http = await serveNode(server, { port: 0 });
    try {
      for (const pageSize of pageSizes) {
        log(`initial-sync: SQLite client, pages of ${pageSize}`);
        const store = join(dir, `client-initial-${pageSize}.sqlite`);
        const run = await runChild<NodeRun>('initial-sync-client.ts', ['--store', store, '--url', http.url, '--token', TOKEN, '--page', String(pageSize)]);
        rows.push(row('SQLite (Node)', records, pageSize, run, undefined, undefined));
      }
    } finally {
      await http.close();
    }
    if (hasChromium) {
      for (const pageSize of pageSizes) {
        log(`initial-sync: IndexedDB in Chromium, pages of ${pageSize}`);
        const run = await chromiumRun(server, pageSize);
        rows.push(row('IndexedDB (Chromium)', records, pageSize, run, run.longestTaskMs, run.longTasks));
      }
    } else {
      skipped = 'no /usr/bin/chromium (apt-get install -y chromium)';
    }
  } finally {
    await server.close();
  }
  return { records, seedMs: seeded.ms, rows, ...(skipped === undefined ? {} : { skipped }) };
}

type ChromiumRun = InitialSyncRun & { mainThreadMs: number };

async function taskSeconds(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? Number.NaN;
}

async function chromiumRun(server: ReturnType<typeof createSyncServer>, pageSize: number): Promise<ChromiumRun> {
  const site = await serveFixtures(server, { 'initial-sync': 'initial-sync-app.ts' });
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/initial-sync.html`);
    await page.waitForFunction(() => 'initialSync' in globalThis);
    const options = { database: `bench-${pageSize}`, token: TOKEN, pageSize };
    // The page's main-thread task time (CDP Performance.TaskDuration, seconds): the browser's nearest
    // thing to the Node child's CPU time, and like it far less swayed by a loaded machine than wall time.
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const before = await taskSeconds(cdp);
    const run = await page.evaluate((o) => (globalThis as unknown as { initialSync: { run(o: unknown): Promise<InitialSyncRun> } }).initialSync.run(o), options);
    const mainThreadMs = ((await taskSeconds(cdp)) - before) * 1000;
    if (run.outcome !== 'completed') throw new Error(`initial-sync bench: Chromium run ended ${run.outcome}: ${run.error}\n${browser.console.join('\n')}`);
    return { ...run, mainThreadMs };
  } finally {
    await browser.close();
    await site.close();
  }
}

function row(store: InitialSyncRow['store'], records: number, pageSize: number, run: NodeRun | ChromiumRun, longestTaskMs: number | undefined, longTasks: number | undefined): InitialSyncRow {
  if (run.pulled !== records) throw new Error(`initial-sync bench: ${store} pulled ${run.pulled} of ${records} records (${run.outcome}: ${run.error ?? ''}).`);
  return {
    store,
    records,
    pageSize,
    seconds: run.ms / 1000,
    recordsPerSecond: Math.round(records / (run.ms / 1000)),
    pullMs: run.phases['execute'] ?? Number.NaN,
    verifyMs: run.phases['verify'] ?? Number.NaN,
    longestTaskMs,
    longTasks,
    longestGapMs: run.longestGapMs,
    cpuMicrosPerRecord: Math.round((('cpuMs' in run ? run.cpuMs : run.mainThreadMs) * 1000) / records),
    load: loadavg()[0] ?? Number.NaN,
    outcome: run.outcome,
  };
}

export function initialSyncTable(bench: InitialSyncBench): string {
  const lines = [
    '| store | page | seconds | records/s | execute (pull) ms | verify ms | longest task ms (count > 50 ms) | longest 1 ms-timer gap ms | client CPU µs/record (Chromium: main-thread task time) | load |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of bench.rows) {
    const tasks = r.longestTaskMs === undefined ? 'n/a' : `${r.longestTaskMs.toFixed(0)} (${r.longTasks ?? 0})`;
    lines.push(
      `| ${r.store} | ${r.pageSize} | ${r.seconds.toFixed(2)} | ${r.recordsPerSecond.toLocaleString('en-US')} | ${r.pullMs.toFixed(0)} | ${r.verifyMs.toFixed(0)} | ${tasks} | ${r.longestGapMs.toFixed(1)} | ${r.cpuMicrosPerRecord ?? 'n/a'} | ${r.load.toFixed(1)} |`,
    );
  }
  return lines.join('\n') + (bench.skipped === undefined ? '' : `\nIndexedDB skipped: ${bench.skipped}`);
}
