// The web till of `npm start` (src/web-demo) in real Chromium, against the demo's own server on
// loopback: sales and a void made with the till switched offline reach nothing (not one request
// leaves the page), survive a reload in IndexedDB, drain once the till is back online — each
// mutation run exactly once on the server (its application log) — and a second till (another
// device) shows them live, without a reload. A conflicting reprice is resolved and listed. The
// screenshot of the till is docs/images/web-till.png.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpTransport } from '../../src/index.js';
import { APPLICATIONS_COLLECTION } from '../../src/demo/application-log.js';
import { startWebDemo, WEB_DEMO_TOKEN, type WebDemo } from '../../src/web-demo/server.js';
import { serverView } from '../helpers/harness.js';
import { hasChromium, launchChromium } from './browser-harness.js';

const mustRun = process.env['CI'] === 'true';
const suite = hasChromium || mustRun ? describe : describe.skip;
const SCREENSHOT = join(import.meta.dirname, '..', '..', 'docs', 'images', 'web-till.png');

suite('the web till in Chromium', () => {
  let demo: WebDemo;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    demo = await startWebDemo({ port: 0 });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  const onServer = (collection: string) => serverView(createHttpTransport({ url: demo.url, token: WEB_DEMO_TOKEN }), collection);
  const text = async (page: Page, selector: string) => (await page.textContent(selector))?.trim() ?? '';
  const receiptRows = (page: Page) => page.locator('tr[data-receipt]').count();

  async function open(url: string): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(url);
    await page.waitForSelector('button[data-product="espresso"]', { timeout: 30_000 }); // the catalogue was pulled
    return page;
  }

  async function sell(page: Page, product: string): Promise<void> {
    const before = await receiptRows(page);
    await page.click(`button[data-product="${product}"]`);
    await page.click('#sell');
    await expect.poll(() => receiptRows(page), { timeout: 10_000 }).toBe(before + 1);
  }

  it('sells offline, keeps the sales through a reload, drains them once online, and another till sees them live', async () => {
    const diagnosis = () => `browser console:\n${browser.console.join('\n')}`;
    const till = await open(demo.pageUrl);
    const other = await open(demo.secondPageUrl);
    await expect.poll(() => text(till, '#online-state'), { timeout: 20_000 }).toBe('connected');
    expect(await text(till, '#pending')).toBe('0');

    // Offline: from now on nothing of till 1 may reach the network.
    const sent: string[] = [];
    till.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/v1/')) sent.push(`${r.method()} ${r.url()}`);
    });
    await till.click('#network-toggle');
    expect(await text(till, '#network-toggle')).toBe('Offline');
    await expect.poll(() => text(till, '#online-state'), { timeout: 10_000 }).toContain('offline');
    sent.length = 0; // requests that started before the click (the event stream) do not count

    await sell(till, 'espresso');
    await sell(till, 'cornetto');
    await sell(till, 'spremuta');
    const sales = await till.locator('tr.sale[data-receipt]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-receipt') ?? ''));
    expect(sales).toHaveLength(3);
    await till.click(`button[data-void="${sales[1]}"]`); // void the cornetto sale, still offline
    await expect.poll(() => receiptRows(till), { timeout: 10_000 }).toBe(4);
    // A reprice made offline here and online on the other till: a conflict once till 1 is back.
    await till.click('button[data-reprice="espresso"]');
    for (const price of ['1.30', '1.40']) {
      await other.click('button[data-reprice="espresso"]');
      await expect.poll(() => text(other, 'button[data-product="espresso"]'), { timeout: 10_000 }).toContain(price);
    }
    await expect.poll(() => text(other, '#pending'), { timeout: 20_000 }).toBe('0');
    await till.click('#sync-now'); // asking to sync while offline must not send anything either

    // 3 sales + 3 stock decrements + 1 void + 1 reprice wait in the outbox, and nothing left the page.
    await expect.poll(() => text(till, '#pending'), { timeout: 10_000 }).toBe('8');
    expect(await text(till, '#oldest-pending')).not.toBe('—');
    await expect.poll(async () => Number(await text(till, '#blocked')), { timeout: 10_000 }).toBeGreaterThan(0); // Sync now was stopped at the gate
    expect(sent, diagnosis()).toEqual([]);
    expect(await onServer('receipts')).toEqual([]);
    expect(await onServer(APPLICATIONS_COLLECTION)).toEqual([]);

    // A reload: the pending sales come back from IndexedDB, the till stays offline.
    await till.reload();
    await till.waitForSelector('tr[data-receipt]');
    expect(await text(till, '#network-toggle')).toBe('Offline');
    await expect.poll(() => text(till, '#pending'), { timeout: 10_000 }).toBe('8');
    expect(await receiptRows(till)).toBe(4);
    expect(await till.locator('tr.pending[data-receipt]').count()).toBe(4);
    expect(sent, diagnosis()).toEqual([]);
    expect(await receiptRows(other)).toBe(0);

    // Online again: the outbox drains, and the other till shows everything without a reload.
    await till.click('#network-toggle');
    expect(await text(till, '#network-toggle')).toBe('Online');
    await expect.poll(() => text(till, '#pending'), { timeout: 30_000, message: diagnosis() }).toBe('0');
    // Live: pokes, not the 30 s interval pull (hence a wait well below it).
    await expect.poll(() => receiptRows(other), { timeout: 15_000, message: diagnosis() }).toBe(4);
    await expect.poll(() => other.locator('tr.voided[data-receipt]').count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => till.locator('tr.issued[data-receipt]').count(), { timeout: 15_000 }).toBe(4);

    // On the server: three sales and one void, each run exactly once, in order.
    const receipts = await onServer('receipts');
    expect(receipts.map((r) => r.key).sort()).toEqual([...sales, ...receipts.filter((r) => r.value['kind'] === 'void').map((r) => r.key)].sort());
    expect(receipts.filter((r) => r.value['kind'] === 'sale')).toHaveLength(3);
    expect(receipts.find((r) => r.key === sales[1])?.value['voidedBy']).toEqual(expect.any(String));
    const check = demo.applications.check(await onServer(APPLICATIONS_COLLECTION));
    expect(check).toEqual({ applications: 4, duplicates: 0, outOfOrder: 0, rolledBack: 0 });
    expect(demo.applications.runs().filter((r) => r.ended !== 'returned')).toEqual([]);
    await expect.poll(() => text(till, '#server-runs'), { timeout: 15_000 }).toBe('4');
    expect(await text(till, '#server-duplicates')).toBe('0');

    // The offline reprice met the other till's: resolved on the server, listed on till 1.
    await expect.poll(() => text(till, '#conflict-count'), { timeout: 15_000 }).toBe('1');
    expect(await text(till, '.conflict')).toContain('products/espresso');
    expect(await text(till, '#quality')).not.toBe('offline');

    // Till 1's own event stream is back as well (it waited for the toggle): a sale on the other till shows here live.
    await sell(other, 'acqua');
    await expect.poll(() => receiptRows(till), { timeout: 15_000, message: diagnosis() }).toBe(5);
    await expect.poll(() => text(till, '#pending'), { timeout: 15_000 }).toBe('0');

    await till.screenshot({ path: SCREENSHOT, fullPage: true });
  }, 180_000);
});
