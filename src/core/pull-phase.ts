/**
 * The pull half of the execute phase: pages from the stored cursor until the server has nothing newer,
 * each page committed together with its cursor (a checkpoint: an interrupted initial sync resumes at
 * the last committed page, not from zero).
 */
import type { SyncCycleResult } from './events.js';
import { META, T, parseStoredRecord, readNumber, recordKey } from './local-schema.js';
import { TouchedRecords, rebaseIfOverlaid, writeConfirmed } from './local-view.js';
import type { StoreWriter } from '../stores/store.js';
import { applyPullPage } from './pull-apply.js';
import { PROTOCOL_VERSION, type PullResponse } from '../protocol/wire.js';
import { checkAborted, type CycleContext } from './cycle-context.js';
import { anySignal } from './any-signal.js';
import { isSynclineError } from './errors.js';
import { oldestHeldMutation } from './echo-apply.js';

/**
 * Returns the digests carried by the last page, with the cursor they describe. A server that purged
 * the tombstones this client would need answers `reset-required`: the client then pulls the whole
 * scope again from cursor 0, keeping its pending mutations; records deleted meanwhile are not in that
 * pull, so the verify phase (forced after a reset) finds and removes them.
 */
export async function pullAll(
  ctx: CycleContext,
  result: SyncCycleResult,
  signal: AbortSignal,
): Promise<{ cursor: number; digests: PullResponse['digests']; digestFormat: number | undefined; reset: boolean }> {
  let reset = false;
  const pages = new PageFetcher(ctx, result, signal);
  try {
    for (;;) {
      checkAborted(signal);
      const { cursor, heldFrom } = await ctx.store.read(async (tx) => ({
        cursor: readNumber(await tx.get(T.meta, META.cursor), 0, 'meta/cursor'),
        heldFrom: await oldestHeldMutation(tx),
      }));
      let page: PullResponse;
      try {
        page = await pages.take(cursor, heldFrom);
      } catch (error) {
        if (reset || !isSynclineError(error) || error.code !== 'server-reset') throw error;
        reset = true;
        result.pulled.resets += 1;
        await ctx.store.write(async (tx) => {
          // Only if no other tab moved it meanwhile; either way the next request starts from the stored cursor.
          if (readNumber(await tx.get(T.meta, META.cursor), 0, 'meta/cursor') === cursor) await tx.put(T.meta, META.cursor, 0);
        });
        continue;
      }
      if (page.hasMore && ctx.concurrency >= 2) pages.fetchAhead(page.cursor, heldFrom);
      await ctx.plugins.run('afterPull', page);
      let applied = await ctx.store.write((tx) => applyPullPage(tx, page, cursor));
      if (applied.unresolved) {
        // An echo this client cannot rebuild exactly (entries gone, another base): the same page in
        // full. Rare; plugins see both pages, as received.
        page = await pages.take(cursor, undefined);
        await ctx.plugins.run('afterPull', page);
        applied = await ctx.store.write((tx) => applyPullPage(tx, page, cursor));
      }
      result.pulled.pages += 1;
      result.pulled.changes += page.changes.length + applied.echoed;
      result.cursor = page.cursor;
      if (applied.touched.size > 0) ctx.emit({ type: 'records.changed', source: 'remote', changes: applied.touched.entries() });
      ctx.progress('pull', result.pulled.changes, undefined);
      if (!page.hasMore) return { cursor: page.cursor, digests: page.digests, digestFormat: page.digestFormat, reset };
    }
  } finally {
    pages.close();
  }
}

/**
 * Asks for pull pages, at most one ahead of the page being applied. A page fetched ahead is used only
 * if the stored cursor is where it starts when its turn comes (another tab may have moved it); one
 * left over when the pull stops is aborted, so a failed or cancelled cycle leaves no request behind.
 */
class PageFetcher {
  readonly #ctx: CycleContext;
  readonly #result: SyncCycleResult;
  readonly #signal: AbortSignal;
  #ahead: { from: number; heldFrom: number | undefined; page: Promise<PullResponse>; abort: AbortController } | undefined;

  constructor(ctx: CycleContext, result: SyncCycleResult, signal: AbortSignal) {
    this.#ctx = ctx;
    this.#result = result;
    this.#signal = signal;
  }

  /** `heldFrom`: the oldest mutation the client holds, to ask for echoes; undefined asks for full values. */
  take(cursor: number, heldFrom: number | undefined): Promise<PullResponse> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    if (ahead?.from === cursor && (heldFrom !== undefined || ahead.heldFrom === undefined)) return ahead.page;
    ahead?.abort.abort();
    return this.#fetch(cursor, heldFrom, this.#signal);
  }

  fetchAhead(cursor: number, heldFrom: number | undefined): void {
    const abort = new AbortController();
    const page = this.#fetch(cursor, heldFrom, anySignal([this.#signal, abort.signal]));
    // Its failure surfaces when the page is taken; until then (or if it never is) it is not unhandled.
    page.catch(() => undefined);
    this.#ahead = { from: cursor, heldFrom, page, abort };
  }

  close(): void {
    this.#ahead?.abort.abort();
    this.#ahead = undefined;
  }

  #fetch(cursor: number, heldFrom: number | undefined, signal: AbortSignal): Promise<PullResponse> {
    return requestPage(this.#ctx, this.#result, cursor, undefined, signal, heldFrom);
  }
}

/**
 * One pull request from `cursor` (of one collection, or all), counted in the cycle's result. With
 * `elideOwnFrom`, records this client's own held mutations produced come back as echo markers.
 */
function requestPage(
  ctx: CycleContext,
  result: SyncCycleResult,
  cursor: number,
  collection: string | undefined,
  signal: AbortSignal,
  elideOwnFrom?: number,
): Promise<PullResponse> {
  result.pulled.requests += 1;
  const request = {
    v: PROTOCOL_VERSION,
    clientId: ctx.clientId,
    cursor,
    limit: ctx.pullPageSize,
    ...(collection === undefined ? {} : { collection }),
    ...(elideOwnFrom === undefined ? {} : { elideOwnFrom }),
  };
  return ctx.transport.pull(request, { signal, timeoutMs: ctx.requestTimeoutMs });
}

/**
 * Pages of one collection's changes after `from`, in order; `apply` commits each page (returning the
 * records it touched) before the next is asked for. Shared by the collection refresh and the repair.
 */
export async function pullCollectionPages(
  ctx: CycleContext,
  result: SyncCycleResult,
  collection: string,
  from: number,
  step: 'pull' | 'repair',
  signal: AbortSignal,
  apply: (tx: StoreWriter, page: PullResponse) => Promise<TouchedRecords>,
): Promise<PullResponse> {
  let cursor = from;
  for (;;) {
    checkAborted(signal);
    const page = await requestPage(ctx, result, cursor, collection, signal);
    await ctx.plugins.run('afterPull', page);
    const touched = await ctx.store.write((tx) => apply(tx, page));
    result.pulled.pages += 1;
    result.pulled.changes += page.changes.length;
    if (touched.size > 0) ctx.emit({ type: 'records.changed', source: 'remote', changes: touched.entries() });
    ctx.progress(step, result.pulled.changes, undefined);
    cursor = page.cursor;
    if (!page.hasMore) return page;
  }
}

/**
 * A refresh of some collections only: their changes after the stored cursor, applied to confirmed
 * state without moving the cursor or settling mutations (a page of one collection says nothing about
 * the others). The next full pull re-delivers these changes; applying them again is harmless.
 */
export async function pullCollections(ctx: CycleContext, result: SyncCycleResult, collections: readonly string[], signal: AbortSignal): Promise<void> {
  const base = await ctx.store.read(async (tx) => readNumber(await tx.get(T.meta, META.cursor), 0, 'meta/cursor'));
  for (const collection of collections) {
    await pullCollectionPages(ctx, result, collection, base, 'pull', signal, (tx, page) => applyNewer(tx, collection, page));
  }
}

/** Apply a filtered page's changes that are newer than what the client holds. */
async function applyNewer(tx: StoreWriter, collection: string, page: PullResponse): Promise<TouchedRecords> {
  const touched = new TouchedRecords();
  for (const change of page.changes) {
    if (change.collection !== collection) continue;
    const rk = recordKey(collection, change.key);
    const current = parseStoredRecord(await tx.get(T.records, rk), `records/${rk}`);
    if (current !== undefined && current.version >= change.version) continue;
    await writeConfirmed(tx, change);
    touched.add(collection, change.key);
    await rebaseIfOverlaid(tx, collection, change.key);
  }
  return touched;
}
