/** The last N sync cycle results, kept in the store: readable by API and by `syncline status`. */
import type { JsonValue } from '../protocol/json.js';
import type { StoreReader, StoreWriter } from '../stores/store.js';
import { encodeSeq } from '../stores/store.js';
import type { SyncCycleResult } from './events.js';
import { META, T, readNumber } from './local-schema.js';

export async function recordRun(tx: StoreWriter, result: SyncCycleResult, keep: number): Promise<void> {
  const seq = readNumber(await tx.get(T.meta, META.runSeq), 0, 'meta/runSeq') + 1;
  await tx.put(T.meta, META.runSeq, seq);
  await tx.put(T.runs, encodeSeq(seq), { v: 1, ...result } as unknown as JsonValue);
  if (seq > keep) {
    for (const [k] of await tx.scan(T.runs, { end: encodeSeq(seq - keep + 1) })) await tx.delete(T.runs, k);
  }
}

/** Newest first. Entries are returned as stored; their `v` says which format wrote them. */
export async function readRuns(tx: StoreReader, limit: number): Promise<SyncCycleResult[]> {
  const rows = await tx.scan(T.runs, { reverse: true, limit });
  return rows.map(([, value]) => value as unknown as SyncCycleResult);
}
