/**
 * Resolution of a detected conflict by the collection's strategy: pure decisions (plus the custom
 * resolver's), turned into "keep the record", "write this value" or "reject".
 */
import { jsonEqual, type JsonObject } from '../../protocol/json.js';
import { clientIsLater, clientObserved, fieldStamp, type GenericWrite, type RecordState } from './detect.js';
import { mergePatch } from './merge.js';
import type { ConflictStrategy } from './strategy.js';

export type ResolutionKind = 'server' | 'client' | 'merged' | 'custom';

/**
 * `stamped`: which stamps the write advances — 'record' (a whole-record write: field stamps reset) or
 * the list of fields taken from the client.
 */
export type Resolution =
  | { kind: 'reject' }
  | { kind: 'keep'; resolution: ResolutionKind }
  | { kind: 'write'; value: JsonObject | undefined; resolution: ResolutionKind; stamped: 'record' | string[] };

export async function resolveConflict(
  strategy: ConflictStrategy,
  write: GenericWrite,
  state: RecordState,
  conflictFields: string[] | undefined,
  clientId: string,
): Promise<Resolution> {
  if (strategy === 'server-wins') return { kind: 'reject' };
  if (strategy === 'client-wins') return applyClient(write, state);
  if (strategy === 'last-writer-wins') return lastWriterWins(write, state);
  if ('merge' in strategy) {
    const live = state.value;
    if (write.op !== 'patch' || live === undefined) return lastWriterWins(write, state);
    const merged = mergePatch(write, { ...state, value: live }, strategy.merge, strategy.otherFields ?? 'lww');
    return finish(merged.value, merged.fromClient, write, state);
  }
  const decision = await strategy.resolve({
    collection: write.collection,
    key: write.key,
    op: write.op,
    clientId,
    server: { value: state.value, version: state.version, hlc: state.clock.hlc },
    client: {
      value: write.op === 'put' ? write.value : write.op === 'patch' ? write.fields : undefined,
      hlc: write.hlc,
      baseVersion: write.baseVersion,
      expected: write.op === 'patch' ? write.expected : undefined,
    },
    fields: conflictFields,
  });
  if (decision === 'reject') return { kind: 'reject' };
  if (decision === 'server') return { kind: 'keep', resolution: 'custom' };
  if (decision === 'client') return { ...applyClient(write, state), resolution: 'custom' } as Resolution;
  const value = decision.value ?? undefined;
  if (sameRecord(value, state.value)) return { kind: 'keep', resolution: 'custom' };
  return { kind: 'write', value, resolution: 'custom', stamped: 'record' };
}

/** The write's own effect on the record, as if there were no conflict. */
export function clientEffect(write: GenericWrite, current: JsonObject | undefined): JsonObject | undefined {
  switch (write.op) {
    case 'put':
      return write.value;
    case 'patch':
      return { ...(current ?? {}), ...write.fields };
    case 'delete':
      return undefined;
  }
}

function applyClient(write: GenericWrite, state: RecordState): Resolution {
  const value = clientEffect(write, state.value);
  const stamped = write.op === 'patch' && state.value !== undefined ? Object.keys(write.fields) : 'record';
  return { kind: 'write', value, resolution: 'client', stamped };
}

/**
 * Whole-record writes (and patches of an absent record) compare the record's stamp; patches of a
 * live record decide per conflicting field. A client whose confirmed state already held the current
 * record wins outright: its write causally follows the server's value, whatever the clocks say.
 */
function lastWriterWins(write: GenericWrite, state: RecordState): Resolution {
  if (write.op !== 'patch' || state.value === undefined) {
    const wins = clientObserved(write, state) || clientIsLater(write.hlc, state.clock.hlc);
    return wins ? applyClient(write, state) : { kind: 'keep', resolution: 'server' };
  }
  const current = state.value;
  const value: JsonObject = { ...current };
  const fromClient: string[] = [];
  for (const [field, incoming] of Object.entries(write.fields)) {
    const conflicting = !jsonEqual(write.expected[field] ?? null, current[field] ?? null);
    if (!conflicting || clientObserved(write, state) || clientIsLater(write.hlc, fieldStamp(state.clock, field))) {
      value[field] = incoming;
      fromClient.push(field);
    }
  }
  return finish(value, fromClient, write, state);
}

/** Label a per-field result and skip the write when it changes nothing. */
function finish(value: JsonObject, fromClient: string[], write: GenericWrite, state: RecordState): Resolution {
  const clientWanted = clientEffect(write, state.value);
  const resolution: ResolutionKind = sameRecord(value, clientWanted) ? 'client' : sameRecord(value, state.value) ? 'server' : 'merged';
  if (sameRecord(value, state.value)) return { kind: 'keep', resolution };
  return { kind: 'write', value, resolution, stamped: fromClient };
}

function sameRecord(a: JsonObject | undefined, b: JsonObject | undefined): boolean {
  return a === undefined || b === undefined ? a === b : jsonEqual(a, b);
}
