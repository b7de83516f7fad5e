/**
 * Applying one pull page: confirmed records, the cursor, and the outbox entries the page covers, all
 * in one store transaction — a checkpoint. A crash between pages resumes from the last one. Echo
 * markers become confirmed records rebuilt from the outbox, before the page drops those entries.
 */
import type { JsonValue } from '../protocol/json.js';
import type { PullResponse } from '../protocol/wire.js';
import type { StoreWriter } from '../stores/store.js';
import { encodeSeq } from '../stores/store.js';
import { T, META, readNumber } from './local-schema.js';
import { entriesUpTo, removeEntry } from './outbox.js';
import { TouchedRecords, rebaseIfOverlaid, writeConfirmedAll } from './local-view.js';
import type { OutboxEntry } from './local-schema.js';
import { resolveEchoes } from './echo-apply.js';

export interface AppliedPage {
  /** Records whose visible value may have changed. */
  touched: TouchedRecords;
  /** Entries that left the outbox because the page covers them and their outcome was known. */
  completed: OutboxEntry[];
  /** Records confirmed from echo markers (rebuilt from this client's own entries). */
  echoed: number;
  /**
   * True when an echo marker could not be rebuilt exactly: nothing was applied, and the page must be
   * asked for again without `elideOwnFrom`.
   */
  unresolved: boolean;
}

export async function applyPullPage(tx: StoreWriter, page: PullResponse, requestCursor: number): Promise<AppliedPage> {
  const stored = readNumber(await tx.get(T.meta, META.cursor), 0, 'meta/cursor');
  if (stored !== requestCursor) {
    // Another tab or process applied pages meanwhile; this page is stale. Nothing is lost: the next
    // pull continues from the stored cursor.
    return { touched: new TouchedRecords(), completed: [], echoed: 0, unresolved: false };
  }
  // Rebuilt before anything is written: the entries and confirmed bases are read as they were.
  const echoed = page.echoes === undefined || page.echoes.length === 0 ? [] : await resolveEchoes(tx, page.echoes);
  if (echoed === undefined) return { touched: new TouchedRecords(), completed: [], echoed: 0, unresolved: true };
  const touched = new TouchedRecords();
  const changes = echoed.length === 0 ? page.changes : [...page.changes, ...echoed];
  await writeConfirmedAll(tx, changes);
  for (const change of changes) touched.add(change.collection, change.key);
  await tx.put(T.meta, META.cursor, page.cursor);

  const completed: OutboxEntry[] = [];
  for (const entry of await entriesUpTo(tx, page.lastMutationId)) {
    if (entry.outcome !== undefined) {
      await removeEntry(tx, entry);
      completed.push(entry);
    } else if (!entry.covered) {
      // Effects are confirmed but the outcome (applied or rejected?) is not known yet: keep the entry
      // so the next push learns it, but take it out of the overlay.
      await tx.put(T.outbox, encodeSeq(entry.id), { ...entry, covered: true } as unknown as JsonValue);
    }
    touched.addOps(entry);
  }
  await rebaseTouched(tx, touched);
  return { touched, completed, echoed: echoed.length, unresolved: false };
}

async function rebaseTouched(tx: StoreWriter, touched: TouchedRecords): Promise<void> {
  // With nothing pending (an initial sync, a quiet till) no record has an overlay: skip the lookups.
  if ((await tx.count(T.overlay)) === 0) return;
  for (const { collection, keys } of touched.entries()) {
    for (const key of keys) await rebaseIfOverlaid(tx, collection, key);
  }
}
