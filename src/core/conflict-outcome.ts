/** Reading conflict reports out of push outcomes (shared by the client and the server's events). */
import { isJsonObject, type JsonObject, type JsonValue } from '../protocol/json.js';
import type { RecordOp } from '../protocol/record-ops.js';
import { conflictReport, type ConflictReport, type MutationOutcome } from '../protocol/wire.js';

const GENERIC = new Set(['put', 'patch', 'delete']);

/** Applied generic writes report a resolved conflict as `result.conflict`. */
export function reportInResult(result: JsonValue | undefined): ConflictReport | undefined {
  if (result === undefined || !isJsonObject(result) || !('conflict' in result)) return undefined;
  const parsed = conflictReport.safeParse(result['conflict']);
  return parsed.success ? parsed.data : undefined;
}

/** The conflict an outcome reports for a generic write (`name`), if any. */
export function conflictOf(name: string, outcome: MutationOutcome): ConflictReport | undefined {
  if (!GENERIC.has(name)) return undefined;
  return outcome.status === 'rejected' ? outcome.conflict : reportInResult(outcome.result);
}

/**
 * The optimistic effect of an applied write whose conflict the server resolved: the record as the
 * server left it, so the UI shows the resolution at once instead of the client's losing value.
 */
export function resolvedOps(op: { collection: string; key: string }, report: ConflictReport): RecordOp[] {
  const { collection, key } = op;
  return report.value === null ? [{ op: 'delete', collection, key }] : [{ op: 'put', collection, key, value: report.value }];
}

/** What the client wrote, from a generic mutation's args: the put value, the patched fields, or null. */
export function clientValueOf(name: string, args: JsonValue): JsonObject | null {
  if (!isJsonObject(args)) return null;
  const value = name === 'put' ? args['value'] : name === 'patch' ? args['fields'] : undefined;
  return value !== undefined && isJsonObject(value) ? value : null;
}
