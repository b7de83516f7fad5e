// Real Chromium: the query clause of the store conformance suite on the IndexedDB store. The page
// runs the same scenario the Node stores run (src/testing/query-scenario.ts) — a pull, pending local
// writes, a pull that rebases them, a push with one rejected write — against a real sync server on
// loopback HTTP, and records every query's pages; here they must equal the JavaScript answer over
// list() at each step, indexed queries must not scan, and the answers must be the ones the memory
// store gives for the same scenario in Node. A second run with 1,200 receipts makes answers and
// pages cross the store's 500-row getAll pages, where a boundary row read twice or skipped would
// show in list() too — hence the comparison with the memory store.
import { describe, expect, it } from 'vitest';
import { createSyncServer } from '../../src/server.js';
import { createMemoryStore } from '../../src/index.js';
import { LARGE_QUERIES, expectQueryScenario, queryScenarioServerOptions, runQueryScenarioInProcess } from '../../src/testing/store-conformance-queries.js';
import type { QueryScenarioResult } from '../../src/testing/query-scenario.js';
import { hasChromium, launchChromium, serveFixtures } from './browser-harness.js';
import type { QueryConformanceOptions, QueryConformanceRun } from './fixtures/query-conformance-app.js';

declare const queryConformance: { run(o: QueryConformanceOptions): Promise<QueryConformanceRun> };

const mustRun = process.env['CI'] === 'true';
const suite = hasChromium || mustRun ? describe : describe.skip;
if (!hasChromium) process.stderr.write('browser tests skipped: /usr/bin/chromium is missing (apt-get install -y chromium)\n');

const LARGE = 1_200;

/** Each step's answers, without the reference they were checked against. */
const answers = (result: QueryScenarioResult) => result.steps.map((s) => ({ step: s.step, queries: s.observations.map((o) => ({ query: o.query, pages: o.pages })) }));

suite('query conformance on IndexedDB, in Chromium', () => {
  // Each run gets a fresh server (the scenario starts from an empty scope) behind a fresh origin.
  async function runInChromium(options: QueryConformanceOptions): Promise<QueryConformanceRun> {
    const sync = createSyncServer(await queryScenarioServerOptions());
    const site = await serveFixtures(sync, { queries: 'query-conformance-app.ts' });
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${site.url}/queries.html`);
      await page.waitForFunction(() => 'queryConformance' in globalThis);
      const run = await page.evaluate((o) => queryConformance.run(o), options);
      expect(run.databases).toContain(options.database); // Chromium's own IndexedDB held the store
      return run;
    } catch (error) {
      process.stderr.write(`Chromium console:\n${browser.console.join('\n')}\n`);
      throw error;
    } finally {
      await browser.close();
      await site.close();
      await sync.close();
    }
  }

  it('indexed and scanned answers equal filtering the optimistic view, through pulls, local writes, rebases and rejections', async () => {
    // The memory store's run in this process overlaps the page's (each has its own server).
    const [run, memory] = await Promise.all([runInChromium({ database: 'query-conformance' }), runQueryScenarioInProcess(createMemoryStore())]);
    expectQueryScenario(run.result);
    expectQueryScenario(memory);
    expect(answers(run.result)).toEqual(answers(memory));
  }, 90_000);

  it(`the same with ${LARGE.toLocaleString('en-US')} receipts: answers and pages across the store's getAll pages`, async () => {
    const [run, memory] = await Promise.all([
      runInChromium({ database: 'query-conformance-large', largeReceipts: LARGE }),
      runQueryScenarioInProcess(createMemoryStore(), { receipts: LARGE, queries: LARGE_QUERIES }),
    ]);
    expectQueryScenario(run.result, LARGE_QUERIES);
    expectQueryScenario(memory, LARGE_QUERIES);
    expect(answers(run.result)).toEqual(answers(memory));
  }, 180_000);
});
