/**
 * The local-query bench on the IndexedDB store in real Chromium (Debian's /usr/bin/chromium, through
 * the browser test harness): the workload of queries-workload.ts runs in a page; each operation is
 * called through page.evaluate and timed twice — wall time inside the page, and the CPU of
 * Chromium's whole process tree around the call (IndexedDB's work is done outside the renderer).
 */
import { createSyncServer, tokenAuth } from '../src/server.js';
import { hasChromium, launchChromium, serveFixtures } from '../test/browser/browser-harness.js';
import { descendantsCpuMs } from './process-tree-cpu.js';
import { measureWorkload, type IndexWriteRow, type QueryBenchRow, type QueryName, type QueryWay, type WorkloadOps } from './queries-workload.js';

type PageBench = { fillPlain(): Promise<number>; fillIndexed(): Promise<number>; run(name: QueryName, way: QueryWay, times: number): Promise<number>; close(): Promise<void> };
declare const queryBench: PageBench;

export const CHROMIUM_STORE = 'IndexedDB (Chromium)';

/** The rows for IndexedDB in Chromium, or why they are missing. */
export async function runChromiumQueryBench(log: (line: string) => void): Promise<{ queries: QueryBenchRow[]; write: IndexWriteRow } | { skipped: string }> {
  if (!hasChromium) return { skipped: 'no /usr/bin/chromium (apt-get install -y chromium)' };
  if (descendantsCpuMs() === undefined) return { skipped: 'no /proc to read Chromium’s CPU from' };
  // The harness serves its pages next to a sync server; this page talks to none.
  const server = createSyncServer({ database: { sqlite: ':memory:' }, auth: tokenAuth({}) });
  const site = await serveFixtures(server, { 'query-bench': 'query-bench-app.ts' });
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/query-bench.html`);
    await page.waitForFunction(() => 'queryBench' in globalThis);
    const ops: WorkloadOps = {
      fillPlain: () => page.evaluate(() => queryBench.fillPlain()),
      fillIndexed: () => page.evaluate(() => queryBench.fillIndexed()),
      run: (name, way, times) => page.evaluate(([n, w, t]) => queryBench.run(n, w, t), [name, way, times] as const),
      close: () => page.evaluate(() => queryBench.close()),
    };
    return await measureWorkload(CHROMIUM_STORE, ops, () => descendantsCpuMs() ?? Number.NaN, log);
  } catch (error) {
    throw new Error(`queries bench in Chromium failed: ${error instanceof Error ? error.message : String(error)}\n${browser.console.join('\n')}`, { cause: error });
  } finally {
    await browser.close();
    await site.close();
    await server.close();
  }
}
