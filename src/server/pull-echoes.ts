/**
 * Splitting a pull page into full changes and echo markers (wire.ts `echoMarker`): a record whose
 * value the requesting client's own generic writes produced verbatim, from mutations it still holds,
 * is not sent back to it; the marker names the mutations and hashes the value, and the client
 * rebuilds it from its outbox. Consecutive single-mutation records (a burst of puts) share one marker.
 */
import type { JsonObject } from '../protocol/json.js';
import { EchoHasher } from '../protocol/echo.js';
import type { Change, EchoMarker } from '../protocol/wire.js';
import { originOfRow, type RecordOrigin } from './record-origin.js';
import { toInt, type RecordRow } from './schema.js';

export interface SplitPage {
  changes: Change[];
  echoes: EchoMarker[];
}

interface OpenMarker {
  marker: EchoMarker;
  hasher: EchoHasher;
  /** Whether later records may join it (a run of single self-contained writes). */
  runnable: boolean;
}

/**
 * The origin of a row the client can rebuild from mutations it still holds (ids >= `ownFrom`), if it
 * is one. `ownFrom` undefined: the client did not ask for echoes.
 */
function echoOrigin(row: RecordRow, clientId: string, ownFrom: number | undefined): RecordOrigin | undefined {
  if (ownFrom === undefined || row.origin_client !== clientId || row.value === null || row.deleted !== 0) return undefined;
  const origin = originOfRow(row);
  return origin !== undefined && origin.firstMutationId >= ownFrom ? origin : undefined;
}

export function isEcho(row: RecordRow, clientId: string, ownFrom: number | undefined): boolean {
  return echoOrigin(row, clientId, ownFrom) !== undefined;
}

/** The page's records as full changes and echo markers, both in version order. */
export function splitPage(rows: readonly RecordRow[], clientId: string, ownFrom: number | undefined): SplitPage {
  const changes: Change[] = [];
  const open: OpenMarker[] = [];
  for (const row of rows) {
    const origin = echoOrigin(row, clientId, ownFrom);
    if (origin === undefined) {
      changes.push(toChange(row));
      continue;
    }
    const version = toInt(row.version);
    const value = JSON.parse(row.value as string) as JsonObject;
    const single = origin.firstMutationId === origin.mutationId && origin.baseVersion === undefined;
    const last = open.at(-1);
    const length = last?.marker.count ?? 1;
    if (single && last?.runnable === true && last.marker.version + length === version && last.marker.mutationId + length === origin.mutationId) {
      last.marker.count = length + 1;
      last.hasher.add(row.collection, row.key, value);
      continue;
    }
    const marker: EchoMarker = { version, mutationId: origin.mutationId, hash: '' };
    if (origin.firstMutationId !== origin.mutationId) marker.from = origin.firstMutationId;
    if (origin.baseVersion !== undefined) marker.base = origin.baseVersion;
    const hasher = new EchoHasher();
    hasher.add(row.collection, row.key, value);
    open.push({ marker, hasher, runnable: single });
  }
  return { changes, echoes: open.map(({ marker, hasher }) => ({ ...marker, hash: hasher.digest() })) };
}

export function toChange(row: RecordRow): Change {
  const base = { collection: row.collection, key: row.key, version: toInt(row.version) };
  if (row.deleted !== 0 || row.value === null) return { ...base, deleted: true };
  return { ...base, value: JSON.parse(row.value) as JsonObject };
}
