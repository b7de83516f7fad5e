/**
 * The client's hybrid logical clock, kept in the store's `meta` table so every tab/process on one
 * database shares one monotonic clock and a restart never moves it backwards. Both functions run
 * inside the caller's write transaction.
 */
import { formatHlc, parseHlc, receiveHlc, tickHlc, type HlcTimestamp } from '../protocol/hlc.js';
import type { StoreReader, StoreWriter } from '../stores/store.js';
import { StoredDataError } from './errors.js';
import { T } from './local-schema.js';

/** Meta key of the last stamp this database issued or saw. */
export const HLC_META_KEY = 'hlc';

/** A new stamp for a local write. */
export async function stampWrite(tx: StoreWriter, node: string, physicalMs: number): Promise<string> {
  const next = tickHlc(await readLast(tx), physicalMs, node);
  await tx.put(T.meta, HLC_META_KEY, formatHlc(next));
  return formatHlc(next);
}

/** Move the clock past a stamp seen from the server, so later local writes order after it. */
export async function observeStamp(tx: StoreWriter, node: string, physicalMs: number, remote: string): Promise<void> {
  const next = receiveHlc(await readLast(tx), parseHlc(remote), physicalMs, node);
  await tx.put(T.meta, HLC_META_KEY, formatHlc(next));
}

async function readLast(tx: StoreReader): Promise<HlcTimestamp | undefined> {
  const raw = await tx.get(T.meta, HLC_META_KEY);
  if (raw === undefined) return undefined;
  try {
    if (typeof raw !== 'string') throw new TypeError('not a string');
    return parseHlc(raw);
  } catch (error) {
    throw new StoredDataError(`The stored clock meta/${HLC_META_KEY} is not an HLC stamp; the local database is damaged.`, { cause: error });
  }
}
