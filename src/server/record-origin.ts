/**
 * The origin of a record's value: which client's generic write produced it verbatim, and what that
 * client needs to rebuild it from its own outbox. A pull sends that client an echo marker instead of
 * the value (src/server/pull-echoes.ts). Anything the client could not rebuild exactly — a named
 * handler's write, a resolved conflict, a patch onto a value the client never saw — has no origin.
 */
import type { GenericWrite } from './conflicts/detect.js';
import { toInt, type RecordRow } from './schema.js';

export interface RecordOrigin {
  clientId: string;
  /** The mutation that wrote the current value. */
  mutationId: number;
  /** The first of the client's consecutive verbatim writes of this record that led to the value. */
  firstMutationId: number;
  /** The record version that chain was applied onto; undefined: onto nothing (a put, or a patch of an absent record). */
  baseVersion: number | undefined;
}

export function originOfRow(row: RecordRow | undefined): RecordOrigin | undefined {
  if (row?.origin_client === null || row?.origin_client === undefined || row.origin_mutation === null || row.origin_first === null) return undefined;
  return {
    clientId: row.origin_client,
    mutationId: toInt(row.origin_mutation),
    firstMutationId: toInt(row.origin_first),
    baseVersion: row.origin_base === null ? undefined : toInt(row.origin_base),
  };
}

/**
 * The origin of the value a generic write produces when it meets no conflict and is applied as sent.
 * `current` is the record it is applied onto (value undefined: absent or a tombstone), `previous`
 * that record's origin.
 */
export function verbatimOrigin(
  write: GenericWrite,
  current: { value: object | undefined; version: number },
  previous: RecordOrigin | undefined,
  writer: { clientId: string; mutationId: number },
): RecordOrigin | undefined {
  const fresh = { clientId: writer.clientId, mutationId: writer.mutationId, firstMutationId: writer.mutationId };
  // A put's value is its args, whatever it replaced.
  if (write.op === 'put') return { ...fresh, baseVersion: undefined };
  if (write.op !== 'patch') return undefined;
  // A patch of an absent record creates it from its fields alone.
  if (current.value === undefined) return { ...fresh, baseVersion: undefined };
  // The client saw exactly the value it patched (its confirmed record at that version). Preferred to
  // a chain: it needs no older entries, which the client may have dropped by now.
  if (write.baseVersion === current.version) return { ...fresh, baseVersion: current.version };
  // The value before came from this client's own verbatim writes, not yet confirmed when it patched:
  // the chain goes on from their base.
  if (previous?.clientId === writer.clientId) return { ...previous, mutationId: writer.mutationId };
  return undefined;
}
