// Pull pages are bounded by size as well as by count: a client asking for thousands of large records
// gets them over several pages of about DEFAULT_PULL_PAGE_CHARS, never one response it cannot take.
import { afterEach, expect, it } from 'vitest';
import { DEFAULT_PULL_PAGE_CHARS } from '../../src/server/pull.js';
import { describeEachDialect, putNote, writableNotes } from './helpers.js';
import type { TestServer } from './helpers.js';

let t: TestServer;
afterEach(async () => {
  await t.cleanup();
});

const RECORD_CHARS = 300_000;

describeEachDialect('pull page size in bytes', (start) => {
  it('cuts a page of large records at the byte budget and pages through all of them', async () => {
    t = await start({ collections: writableNotes });
    for (let id = 1; id <= 30; id += 1) await t.pushOk([putNote(id, `big-${id}`, { text: 'x'.repeat(RECORD_CHARS) })]);

    const keys: string[] = [];
    let cursor = 0;
    let pages = 0;
    for (let hasMore = true; hasMore; pages += 1) {
      const page = await t.pull(cursor, 1000);
      expect(page.changes.length).toBeGreaterThan(0);
      expect(JSON.stringify(page.changes).length).toBeLessThanOrEqual(DEFAULT_PULL_PAGE_CHARS + RECORD_CHARS + 1000);
      keys.push(...page.changes.map((c) => c.key));
      ({ cursor, hasMore } = page);
    }
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(keys).toEqual(Array.from({ length: 30 }, (_, i) => `big-${i + 1}`));
  });

  it('sends a record larger than the configured budget alone on its page', async () => {
    t = await start({ collections: writableNotes, limits: { maxPullPageBytes: 1000 } });
    await t.pushOk([putNote(1, 'small-1', { text: 'a' })]);
    await t.pushOk([putNote(2, 'huge', { text: 'h'.repeat(5000) })]);
    await t.pushOk([putNote(3, 'small-2', { text: 'b' })]);
    const first = await t.pull(0, 1000);
    expect(first.changes.map((c) => c.key)).toEqual(['small-1']);
    const second = await t.pull(first.cursor, 1000);
    expect(second.changes.map((c) => c.key)).toEqual(['huge']);
    expect(second.hasMore).toBe(true);
    const third = await t.pull(second.cursor, 1000);
    expect(third).toMatchObject({ hasMore: false });
    expect(third.changes.map((c) => c.key)).toEqual(['small-2']);
  });

  it('refuses a budget that is not a positive whole number when the server is created', async () => {
    await expect(start({ limits: { maxPullPageBytes: 0 } })).rejects.toThrow(/maxPullPageBytes must be a positive whole number/);
    t = await start({});
  });
});
