/**
 * The verify phase: the client compares the digest of its confirmed records with the digests the
 * server sent on the last pull page. Usually it compares the lanes it maintains with every confirmed
 * change (O(collections)); a full recount — every stored record re-hashed, so damage done behind the
 * engine's back is caught too — runs when the cycle asks for it (first verify after open, the app's
 * `sync({ verify: 'full' })`, `verify.fullIntervalMs`) or when the lanes are not trusted. A recount
 * that disagrees with the lanes rebuilds them. A collection that differs from the server is repaired:
 * re-pulled from cursor 0 (pending mutations are kept and rebased), then checked again.
 */
import type { SyncCycleResult } from './events.js';
import { META, T, collectionPrefix, readNumber, splitRecordKey } from './local-schema.js';
import { TouchedRecords, rebaseIfOverlaid, writeConfirmedAll } from './local-view.js';
import { rebuildCollectionLanes, readLanes, recountLanes, scanLanes, writeConfirmedRecords, type LaneMap } from './digest-lanes.js';
import { pullCollectionPages } from './pull-phase.js';
import { DIGEST_FORMAT, sameDigest, toDigest, type CollectionDigest } from '../protocol/digest.js';
import type { PullResponse } from '../protocol/wire.js';
import type { StoreReader } from '../stores/store.js';
import { checkAborted, type CycleContext } from './cycle-context.js';

type Digests = NonNullable<PullResponse['digests']>;

/** The digests of the stored records, recomputed by a scan (all collections, or one). */
export async function localDigests(tx: StoreReader, onlyCollection?: string): Promise<Record<string, CollectionDigest>> {
  return toDigests(await scanLanes(tx, onlyCollection));
}

function toDigests(lanes: LaneMap): Record<string, CollectionDigest> {
  return Object.fromEntries([...lanes].map(([c, l]) => [c, toDigest(l)]));
}

export async function verifyAndRepair(
  ctx: CycleContext,
  result: SyncCycleResult,
  server: { cursor: number; digests: Digests; digestFormat: number | undefined },
  full: boolean,
  signal: AbortSignal,
): Promise<void> {
  const serverFormat = server.digestFormat ?? 1;
  if (serverFormat !== DIGEST_FORMAT) {
    // Digests of another format always differ: repairing on them would loop. Say so instead.
    result.verify.status = 'incomparable';
    ctx.emit({ type: 'verify.incomparable', serverFormat, clientFormat: DIGEST_FORMAT });
    return;
  }
  const local = await localLanes(ctx, result, server.cursor, full);
  if (local === undefined) {
    // Another tab/process moved the cursor meanwhile: this comparison would be meaningless.
    result.verify.status = 'skipped';
    return;
  }
  const collections = new Set([...Object.keys(local), ...Object.keys(server.digests)]);
  const mismatched = [...collections].filter((c) => !sameDigest(local[c], server.digests[c])).sort();
  if (mismatched.length === 0) {
    result.verify.status = 'verified';
    return;
  }
  result.verify.mismatches = mismatched;
  for (const collection of mismatched) {
    checkAborted(signal);
    ctx.emit({ type: 'verify.mismatch', collection, local: local[collection], server: server.digests[collection] });
    const repaired = await repairCollection(ctx, result, collection, signal);
    result.verify.repaired.push(collection);
    ctx.emit({ type: 'verify.repaired', collection, records: repaired.records, verified: repaired.verified });
    if (!repaired.verified) {
      result.verify.status = 'unverified';
      return;
    }
  }
  result.verify.status = 'repaired';
}

/**
 * The local digests at `cursor` (undefined if the stored cursor is elsewhere): the maintained lanes,
 * or a full recount when asked for or when the lanes are not trusted. The recount runs in a write
 * transaction so no other tab changes records between the scan and the lanes it rebuilds.
 */
async function localLanes(ctx: CycleContext, result: SyncCycleResult, cursor: number, full: boolean): Promise<Record<string, CollectionDigest> | undefined> {
  const atCursor = async (tx: StoreReader): Promise<boolean> => readNumber(await tx.get(T.meta, META.cursor), 0, 'meta/cursor') === cursor;
  if (!full) {
    const kept = await ctx.store.read(async (tx) => ((await atCursor(tx)) ? { lanes: await readLanes(tx) } : undefined));
    if (kept === undefined) return undefined;
    if (kept.lanes !== undefined) return toDigests(kept.lanes);
  }
  const recount = await ctx.store.write(async (tx) => ((await atCursor(tx)) ? recountLanes(tx) : undefined));
  if (recount === undefined) return undefined;
  result.verify.full = true;
  if (recount.rebuilt.length > 0) ctx.emit({ type: 'verify.recounted', rebuilt: recount.rebuilt });
  return toDigests(recount.lanes);
}

/**
 * Re-pull one collection from cursor 0 and make local confirmed records equal to it. Pages are
 * committed one by one; records the server no longer has are deleted at the end, and the collection's
 * lanes are rebuilt from its records, so the check after the repair looks at what is stored. An
 * interrupted repair leaves a state the next cycle's verify detects and repairs again.
 */
async function repairCollection(
  ctx: CycleContext,
  result: SyncCycleResult,
  collection: string,
  signal: AbortSignal,
): Promise<{ records: number; verified: boolean }> {
  const seen = new Set<string>();
  let records = 0;
  let after: CollectionDigest | undefined;
  const last = await pullCollectionPages(ctx, result, collection, 0, 'repair', signal, async (tx, page) => {
    const touched = new TouchedRecords();
    const changes = page.changes.filter((change) => change.collection === collection);
    await writeConfirmedAll(tx, changes);
    for (const change of changes) {
      seen.add(change.key);
      touched.add(collection, change.key);
    }
    if (!page.hasMore) {
      // Whatever the server did not send (not even as a tombstone) it does not have.
      const gone = (await tx.scan(T.records, { prefix: collectionPrefix(collection) })).map(([k]) => splitRecordKey(k).key).filter((key) => !seen.has(key));
      await writeConfirmedRecords(tx, gone.map((key) => ({ collection, key, version: 0, value: undefined })));
      for (const key of gone) touched.add(collection, key);
      after = toDigest(await rebuildCollectionLanes(tx, collection));
    }
    for (const { keys } of touched.entries()) for (const key of keys) await rebaseIfOverlaid(tx, collection, key);
    records += page.changes.length;
    return touched;
  });
  return { records, verified: sameDigest(after, last.digests?.[collection]) };
}
