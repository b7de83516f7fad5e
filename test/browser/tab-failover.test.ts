// Real Chromium: two tabs on one IndexedDB database. The leader is stuck mid-push holding the leader
// lock (its push reached the server, its answer never comes back) while the follower writes; then the
// leader's renderer crashes (CDP Page.crash). The browser frees the crashed tab's Web Lock, the
// follower takes over at once and drains, and the server applies every write exactly once.
import { join } from 'node:path';
import type { Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncServer, tokenAuth, type SyncServer } from '../../src/server.js';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { DEFAULT_LEASE_MS } from '../../src/core/client-options.js';
import { hitCounter } from '../helpers/hit-counter.js';
import { serverView, tempDir } from '../helpers/harness.js';
import { hasChromium, launchChromium, serveFixtures } from './browser-harness.js';

type Failover = {
  open(): Promise<string>;
  hit(id: string): Promise<void>;
  pending(): Promise<number>;
  started(): Array<{ at: number; trigger: string }>;
  lockState(): Promise<{ held: number; pending: number }>;
  conformance(): Promise<string[]>;
};
declare const failover: Failover;

const mustRun = process.env['CI'] === 'true';
const suite = hasChromium || mustRun ? describe : describe.skip;

/** The documented bound: a crashed leader is replaced within 2× the lease (and ≤ 5 s). A functional bound, not a performance target. */
const BOUND_MS = 2 * DEFAULT_LEASE_MS;

suite('tab failover in Chromium', () => {
  const dir = tempDir('syncline-failover-');
  let sync: SyncServer;
  let site: Awaited<ReturnType<typeof serveFixtures>>;

  beforeAll(async () => {
    sync = createSyncServer({ database: { sqlite: join(dir.path, 'server.db') }, auth: tokenAuth({ till: 'shop' }), mutations: hitCounter });
    site = await serveFixtures(sync, { failover: 'failover-app.ts' });
  });
  afterAll(async () => {
    await site?.close();
    await sync?.close();
    dir.remove();
  });

  async function hits(): Promise<Record<string, unknown>> {
    return Object.fromEntries((await serverView(createHttpTransport({ url: site.url, token: 'till' }), 'hits')).map((r) => [r.key, r.value['n']]));
  }

  it('Web Locks conform to the LeaderLock contract', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${site.url}/failover.html`);
      expect(await page.evaluate(() => failover.conformance())).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it("a crashed leader is replaced within the bound and the follower's writes reach the server once", async () => {
    const browser = await launchChromium();
    const diagnosis = (): string => `console:\n${browser.console.join('\n')}`;
    try {
      const leader = await browser.context.newPage();
      await leader.goto(`${site.url}/failover.html`);
      const clientId = await leader.evaluate(() => failover.open());
      await expect.poll(() => leader.evaluate(() => failover.started().length), { timeout: 20_000 }).toBeGreaterThan(0); // its start cycle ran

      // The leader's next push goes through to the server, but its answer is held forever: the
      // leader stays mid-cycle, holding the lock, like a tab that dies halfway through a push.
      let pushReachedServer!: () => void;
      const leaderPushed = new Promise<void>((resolve) => (pushReachedServer = resolve));
      await leader.route('**/v1/push', async (route: Route) => {
        await route.fetch().catch(() => undefined); // the server applies it
        pushReachedServer();
        // never fulfilled: the page crashes first
      });
      await leader.evaluate(() => failover.hit('from-leader'));
      await leaderPushed;

      const follower = await browser.context.newPage();
      await follower.goto(`${site.url}/failover.html`);
      expect(await follower.evaluate(() => failover.open())).toBe(clientId); // one database, one outbox
      for (const id of ['f1', 'f2', 'f3', 'f4', 'f5']) await follower.evaluate((i) => failover.hit(i), id);
      expect(await follower.evaluate(() => failover.pending())).toBe(6);
      // The follower waits on the lock (Web Locks' own account), and has pushed nothing beside the leader.
      await expect.poll(() => follower.evaluate(() => failover.lockState()), { timeout: 20_000 }).toEqual({ held: 1, pending: 1 });
      expect(await follower.evaluate(() => failover.started()), diagnosis()).toEqual([]);
      expect(await hits()).toEqual({ 'from-leader': 1 });

      const crashed = new Promise<void>((resolve) => leader.once('crash', () => resolve()));
      const cdp = await browser.context.newCDPSession(leader);
      const crashAt = Date.now();
      void cdp.send('Page.crash').catch(() => undefined); // never answers: the renderer is gone
      await crashed;

      await expect.poll(() => follower.evaluate(() => failover.pending()), { timeout: 60_000 }).toBe(0);
      const first = (await follower.evaluate(() => failover.started()))[0];
      const takeoverMs = (first?.at ?? Number.POSITIVE_INFINITY) - crashAt;
      process.stderr.write(`tab failover: the follower started syncing ${takeoverMs} ms after the crash (trigger ${first?.trigger}; bound ${BOUND_MS} ms)\n`);
      expect(first?.trigger, diagnosis()).toBe('takeover');
      expect(takeoverMs, diagnosis()).toBeLessThan(BOUND_MS);
      // Every write once: the leader's was applied before the crash and answered as a duplicate when
      // the follower sent it again.
      expect(await hits()).toEqual({ 'from-leader': 1, f1: 1, f2: 1, f3: 1, f4: 1, f5: 1 });
    } finally {
      await browser.close();
    }
  }, 120_000);
});
