/**
 * The verify phase: the client recomputes the digest of its confirmed records from what is actually
 * stored (so damage done behind the engine's back is caught too) and compares it with the digests
 * the server sent on the last pull page. A collection that differs is repaired: re-pulled from
 * cursor 0 (pending mutations are kept and rebased), then checked again.
 */
import type { SyncCycleResult } from './events.js';
import { META, T, collectionPrefix, parseStoredRecord, readNumber, splitRecordKey } from './local-schema.js';
import { TouchedRecords, rebaseIfOverlaid, writeConfirmed } from './local-view.js';
import { pullCollectionPages } from './pull-phase.js';
import { emptyLanes, sameDigest, toDigest, updateLanes, type CollectionDigest, type DigestLanes } from '../protocol/digest.js';
import type { PullResponse } from '../protocol/wire.js';
import type { StoreReader } from '../stores/store.js';
import { checkAborted, type CycleContext } from './cycle-context.js';

type Digests = NonNullable<PullResponse['digests']>;

export async function localDigests(tx: StoreReader, onlyCollection?: string): Promise<Record<string, CollectionDigest>> {
  const lanes = new Map<string, DigestLanes>();
  const rows = await tx.scan(T.records, onlyCollection === undefined ? {} : { prefix: collectionPrefix(onlyCollection) });
  for (const [k, raw] of rows) {
    const record = parseStoredRecord(raw, `records/${k}`);
    if (record === undefined) continue;
    const { collection, key } = splitRecordKey(k);
    lanes.set(collection, updateLanes(lanes.get(collection) ?? emptyLanes(), collection, key, record.version, 1));
  }
  return Object.fromEntries([...lanes].map(([c, l]) => [c, toDigest(l)]));
}

export async function verifyAndRepair(
  ctx: CycleContext,
  result: SyncCycleResult,
  server: { cursor: number; digests: Digests },
  signal: AbortSignal,
): Promise<void> {
  const local = await ctx.store.read(async (tx) => {
    const cursor = readNumber(await tx.get(T.meta, META.cursor), 0, 'meta/cursor');
    return cursor === server.cursor ? localDigests(tx) : undefined;
  });
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
 * Re-pull one collection from cursor 0 and make local confirmed records equal to it. Pages are
 * committed one by one; records the server no longer has are deleted at the end. An interrupted
 * repair leaves a state the next cycle's verify detects and repairs again.
 */
async function repairCollection(
  ctx: CycleContext,
  result: SyncCycleResult,
  collection: string,
  signal: AbortSignal,
): Promise<{ records: number; verified: boolean }> {
  const seen = new Set<string>();
  let records = 0;
  const last = await pullCollectionPages(ctx, result, collection, 0, 'repair', signal, async (tx, page) => {
    const touched = new TouchedRecords();
    for (const change of page.changes) {
      if (change.collection !== collection) continue;
      seen.add(change.key);
      await writeConfirmed(tx, change);
      touched.add(collection, change.key);
    }
    if (!page.hasMore) {
      // Whatever the server did not send (not even as a tombstone) it does not have.
      for (const [k] of await tx.scan(T.records, { prefix: collectionPrefix(collection) })) {
        const { key } = splitRecordKey(k);
        if (seen.has(key)) continue;
        await tx.delete(T.records, k);
        touched.add(collection, key);
      }
    }
    for (const { keys } of touched.entries()) for (const key of keys) await rebaseIfOverlaid(tx, collection, key);
    records += page.changes.length;
    return touched;
  });
  const after = await ctx.store.read((tx) => localDigests(tx, collection));
  return { records, verified: sameDigest(after[collection], last.digests?.[collection]) };
}
