/**
 * The optimistic view: confirmed records with the overlay of pending mutations on top, and the rebase
 * that rebuilds the overlay of a record from its confirmed value and the pending mutations touching it.
 */
import type { JsonObject } from '../protocol/json.js';
import type { Change } from '../protocol/wire.js';
import { applyRecordOp } from '../protocol/record-ops.js';
import type { StoreReader, StoreWriter } from '../stores/store.js';
import { writeConfirmedRecords } from './digest-lanes.js';
import { decodeSeq, encodeSeq } from '../stores/store.js';
import {
  T,
  collectionPrefix,
  outboxKeyIndex,
  parseOutboxEntry,
  parseOverlayRow,
  parseStoredRecord,
  recordKey,
  splitRecordKey,
  type OutboxEntry,
} from './local-schema.js';

export interface ViewRecord {
  key: string;
  value: JsonObject;
}

export async function readConfirmed(tx: StoreReader, collection: string, key: string) {
  const rk = recordKey(collection, key);
  return parseStoredRecord(await tx.get(T.records, rk), `records/${rk}`);
}

export async function readView(tx: StoreReader, collection: string, key: string): Promise<JsonObject | undefined> {
  const rk = recordKey(collection, key);
  const overlay = parseOverlayRow(await tx.get(T.overlay, rk), `overlay/${rk}`);
  if (overlay !== undefined) return overlay.value ?? undefined;
  return (await readConfirmed(tx, collection, key))?.value;
}

/** Every record of a collection in the optimistic view, in key order. */
export async function listView(tx: StoreReader, collection: string): Promise<ViewRecord[]> {
  const prefix = collectionPrefix(collection);
  const [confirmed, overlay] = await Promise.all([
    tx.scan(T.records, { prefix }),
    tx.scan(T.overlay, { prefix }),
  ]);
  const byKey = new Map<string, JsonObject | null>();
  for (const [k, raw] of confirmed) {
    byKey.set(k, parseStoredRecord(raw, `records/${k}`)?.value ?? null);
  }
  for (const [k, raw] of overlay) {
    byKey.set(k, parseOverlayRow(raw, `overlay/${k}`)?.value ?? null);
  }
  const out: ViewRecord[] = [];
  for (const [k, value] of [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (value !== null) out.push({ key: splitRecordKey(k).key, value });
  }
  return out;
}

/** Whether an entry's optimistic effects belong in the overlay. */
function inOverlay(entry: OutboxEntry): boolean {
  return !entry.covered && entry.outcome?.status !== 'rejected';
}

/**
 * Rebuild the overlay of one record: its confirmed value with the still-pending mutations that touch
 * it re-applied in id order. Removes the overlay row when nothing pending touches the record.
 */
export async function rebaseRecord(tx: StoreWriter, collection: string, key: string): Promise<void> {
  const rk = recordKey(collection, key);
  const index = await tx.scan(T.outboxKeys, { prefix: outboxKeyIndex(collection, key) });
  let value = (await readConfirmed(tx, collection, key))?.value;
  let touched = false;
  for (const [indexKey] of index) {
    const id = decodeSeq(indexKey.slice(indexKey.lastIndexOf('\u0000') + 1));
    const entry = parseOutboxEntry(await tx.get(T.outbox, encodeSeq(id)), `outbox/${id}`);
    if (!inOverlay(entry)) continue;
    for (const op of entry.ops) {
      if (op.collection === collection && op.key === key) value = applyRecordOp(value, op);
    }
    touched = true;
  }
  if (touched) await tx.put(T.overlay, rk, { v: 1, value: value ?? null });
  else await tx.delete(T.overlay, rk);
}

/** Store one server change as confirmed state (a tombstone deletes the record), keeping the digest lanes. */
export async function writeConfirmed(tx: StoreWriter, change: Change): Promise<void> {
  await writeConfirmedAll(tx, [change]);
}

/** Store server changes as confirmed state: like `writeConfirmed` per change, with the lanes written once. */
export async function writeConfirmedAll(tx: StoreWriter, changes: readonly Change[]): Promise<void> {
  await writeConfirmedRecords(
    tx,
    changes.map((c) => ({ collection: c.collection, key: c.key, version: c.version, value: 'deleted' in c ? undefined : c.value })),
  );
}

/** Rebase only a record with an overlay row: any other record shows its confirmed value already. */
export async function rebaseIfOverlaid(tx: StoreWriter, collection: string, key: string): Promise<void> {
  if ((await tx.get(T.overlay, recordKey(collection, key))) !== undefined) await rebaseRecord(tx, collection, key);
}

export async function indexEntry(tx: StoreWriter, entry: OutboxEntry): Promise<void> {
  for (const op of entry.ops) await tx.put(T.outboxKeys, outboxKeyIndex(op.collection, op.key, entry.id), 1);
}

export async function unindexEntry(tx: StoreWriter, entry: OutboxEntry): Promise<void> {
  for (const op of entry.ops) await tx.delete(T.outboxKeys, outboxKeyIndex(op.collection, op.key, entry.id));
}

/** Collects touched records per collection, for rebasing and for change notifications. */
export class TouchedRecords {
  readonly #byCollection = new Map<string, Set<string>>();

  add(collection: string, key: string): void {
    let keys = this.#byCollection.get(collection);
    if (keys === undefined) this.#byCollection.set(collection, (keys = new Set()));
    keys.add(key);
  }

  addOps(entry: OutboxEntry): void {
    for (const op of entry.ops) this.add(op.collection, op.key);
  }

  async rebaseAll(tx: StoreWriter): Promise<void> {
    for (const [collection, keys] of this.#byCollection) {
      for (const key of keys) await rebaseRecord(tx, collection, key);
    }
  }

  entries(): Array<{ collection: string; keys: string[] }> {
    return [...this.#byCollection].map(([collection, keys]) => ({ collection, keys: [...keys] }));
  }

  get size(): number {
    return this.#byCollection.size;
  }
}
