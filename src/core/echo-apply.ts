/**
 * Turning a pull page's echo markers (wire.ts `echoMarker`) back into changes: each value is rebuilt
 * from this client's own outbox entries — the mutations the server says produced it, applied in id
 * order onto the confirmed record the server says they were applied onto — and checked against the
 * server's hash. Anything that does not add up (an entry gone, another base, a different hash) makes
 * the whole page unresolved: the caller asks for it again in full rather than store a guess.
 */
import { EchoHasher } from '../protocol/echo.js';
import type { JsonObject } from '../protocol/json.js';
import { applyRecordOp, type RecordOp } from '../protocol/record-ops.js';
import type { Change, EchoMarker } from '../protocol/wire.js';
import type { StoreReader } from '../stores/store.js';
import { decodeSeq, encodeSeq } from '../stores/store.js';
import { T, outboxKeyIndex, parseOutboxEntry, type OutboxEntry } from './local-schema.js';
import { readConfirmed } from './local-view.js';
import { conflictOf } from './conflict-outcome.js';

/** The oldest mutation this client still holds (undefined: none, so no echo can be rebuilt). */
export async function oldestHeldMutation(tx: StoreReader): Promise<number | undefined> {
  const [oldest] = await tx.scan(T.outbox, { limit: 1 });
  return oldest === undefined ? undefined : decodeSeq(oldest[0]);
}

/** The changes the markers stand for, or undefined when any of them cannot be rebuilt exactly. */
export async function resolveEchoes(tx: StoreReader, echoes: readonly EchoMarker[]): Promise<Change[] | undefined> {
  const out: Change[] = [];
  for (const marker of echoes) {
    const hasher = new EchoHasher();
    for (let i = 0; i < (marker.count ?? 1); i += 1) {
      const change = await rebuild(tx, {
        version: marker.version + i,
        mutationId: marker.mutationId + i,
        from: marker.from ?? marker.mutationId + i,
        base: marker.base,
      });
      if (change === undefined) return undefined;
      hasher.add(change.collection, change.key, change.value);
      out.push(change);
    }
    if (hasher.digest() !== marker.hash) return undefined;
  }
  return out;
}

type Rebuilt = { collection: string; key: string; version: number; value: JsonObject };

async function rebuild(
  tx: StoreReader,
  echo: { version: number; mutationId: number; from: number; base: number | undefined },
): Promise<Rebuilt | undefined> {
  const last = await readEntry(tx, echo.mutationId);
  // A generic put/patch has exactly one op, on the record it wrote.
  const target = last?.ops.length === 1 ? last.ops[0] : undefined;
  if (last === undefined || target === undefined || !producedThis(last, echo.version)) return undefined;
  const { collection, key } = target;
  let value: JsonObject | undefined;
  if (echo.base !== undefined) {
    const confirmed = await readConfirmed(tx, collection, key);
    if (confirmed?.version !== echo.base) return undefined;
    value = confirmed.value;
  }
  for (const entry of await chain(tx, collection, key, echo.from, last)) {
    if (entry === undefined) return undefined;
    // The server's chain holds only this client's generic puts and patches that took effect; a named
    // mutation in between (its local guess touching the record) is not part of it.
    if (entry.outcome?.status === 'rejected' || (entry.name !== 'put' && entry.name !== 'patch')) continue;
    for (const op of entry.ops) if (sameRecord(op, collection, key)) value = applyRecordOp(value, op);
  }
  return value === undefined ? undefined : { collection, key, version: echo.version, value };
}

/** Whether the entry can be the verbatim write the server saw at `version`, as far as the client knows. */
function producedThis(entry: OutboxEntry, version: number): boolean {
  if (entry.name !== 'put' && entry.name !== 'patch') return false;
  const outcome = entry.outcome;
  if (outcome === undefined) return true;
  if (outcome.status !== 'applied' || outcome.version !== version) return false;
  // A resolved conflict replaced the entry's ops with the resolution: not what the server calls verbatim.
  return conflictOf(entry.name, outcome) === undefined;
}

/** The entries of `from`..`last` touching the record, in id order; undefined marks one that must be there and is not. */
async function chain(tx: StoreReader, collection: string, key: string, from: number, last: OutboxEntry): Promise<Array<OutboxEntry | undefined>> {
  if (from === last.id) return [last];
  const ids: number[] = [];
  for (const [indexKey] of await tx.scan(T.outboxKeys, { prefix: outboxKeyIndex(collection, key) })) {
    const id = decodeSeq(indexKey.slice(indexKey.lastIndexOf('\u0000') + 1));
    if (id >= from && id < last.id) ids.push(id);
  }
  // The chain's first write starts it; without it the rebuild would start from the wrong value.
  if (ids[0] !== from) return [undefined];
  const entries: Array<OutboxEntry | undefined> = [];
  for (const id of ids) entries.push(await readEntry(tx, id));
  entries.push(last);
  return entries;
}

async function readEntry(tx: StoreReader, id: number): Promise<OutboxEntry | undefined> {
  const raw = await tx.get(T.outbox, encodeSeq(id));
  return raw === undefined ? undefined : parseOutboxEntry(raw, `outbox/${id}`);
}

function sameRecord(op: RecordOp, collection: string, key: string): boolean {
  return op.collection === collection && op.key === key;
}
