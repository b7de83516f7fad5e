/**
 * The outbox: appending mutations (in the same store transaction as their optimistic effects), reading
 * what still needs sending, and settling entries from push outcomes.
 */
import type { JsonObject, JsonValue } from '../protocol/json.js';
import { applyRecordOp, type RecordOp } from '../protocol/record-ops.js';
import type { Mutation, MutationOutcome } from '../protocol/wire.js';
import { findRefusedJson } from './json-depth.js';
import type { StoreReader, StoreWriter } from '../stores/store.js';
import { decodeSeq, encodeSeq } from '../stores/store.js';
import { conflictOf, resolvedOps } from './conflict-outcome.js';
import { T, META, LOCAL_FORMAT, outboxEntrySchema, parseOutboxEntry, readNumber, recordKey, type OutboxEntry } from './local-schema.js';
import { acceptOutboxEntry } from './outbox-entry-check.js';
import type { TouchedRecords } from './local-view.js';
import { indexEntry, readView, unindexEntry } from './local-view.js';
import { appendRejections } from './rejection-log.js';
import type { RejectedMutation } from './local-schema.js';

export interface NewMutation {
  name: string;
  args: JsonValue;
  ops: RecordOp[];
  createdAt: number;
}

/**
 * Allocate the next mutation id and record the mutation with its optimistic effects. Runs inside the
 * caller's write transaction: the id is never allocated in memory, so tabs or processes sharing the
 * database can neither skip nor reuse one.
 */
export async function appendMutation(tx: StoreWriter, mutation: NewMutation): Promise<OutboxEntry> {
  const id = readNumber(await tx.get(T.meta, META.nextMutationId), 1, 'meta/nextMutationId');
  await tx.put(T.meta, META.nextMutationId, id + 1);
  const entry: OutboxEntry = { v: 1, id, ...mutation, covered: false };
  await tx.put(T.outbox, encodeSeq(id), entry as unknown as JsonValue);
  await tx.put(T.unsettled, encodeSeq(id), 1);
  await indexEntry(tx, entry);
  for (const op of mutation.ops) {
    const rk = recordKey(op.collection, op.key);
    const next = applyRecordOp(await readView(tx, op.collection, op.key), op);
    await tx.put(T.overlay, rk, { v: 1, value: next ?? null });
  }
  return entry;
}

/** An unsettled entry as read for a push: parsed, or found malformed (the validate step quarantines it). */
export type UnsettledRead =
  | { ok: true; entry: OutboxEntry }
  | { ok: false; key: string; id: number; raw: JsonValue; reason: string };

/**
 * The oldest entries after `afterId` whose outcome is still unknown, in id order, each parsed once:
 * the next push batch. Reads `limit` entries, never the whole backlog. The slice stops before the
 * first hole in the ids (an entry settled out of turn) so that a batch is always consecutive; the
 * ids after the hole come in the next slice. The entries come from one range scan of the outbox:
 * consecutive ids are consecutive keys, and a settled entry cannot sit inside the slice.
 */
export async function unsettledEntries(tx: StoreReader, limit: number, afterId = 0): Promise<UnsettledRead[]> {
  const ids = await tx.scan(T.unsettled, { start: encodeSeq(afterId + 1), limit });
  const head = ids[0];
  if (head === undefined) return [];
  const firstId = decodeSeq(head[0]);
  let count = 1;
  while (count < ids.length && decodeSeq(ids[count]![0]) === firstId + count) count += 1;
  const rows = await tx.scan(T.outbox, { start: encodeSeq(firstId), end: encodeSeq(firstId + count) });
  const out: UnsettledRead[] = [];
  let r = 0;
  for (let id = firstId; id < firstId + count; id += 1) {
    const k = encodeSeq(id);
    // A key that is no mutation id (written behind the engine's back) is passed over, as a get would.
    while (r < rows.length && rows[r]![0] < k) r += 1;
    const row = rows[r];
    if (row === undefined || row[0] !== k) {
      out.push({ ok: false, key: k, id, raw: null, reason: 'the outbox index lists this mutation but the outbox has no entry for it' });
      continue;
    }
    r += 1;
    out.push(readEntry(k, id, row[1]));
  }
  return out;
}

function readEntry(k: string, id: number, raw: JsonValue): UnsettledRead {
  // The common well-formed entry is checked by hand; zod decides (and explains) anything else.
  const accepted = acceptOutboxEntry(raw, LOCAL_FORMAT);
  const parsed = accepted === undefined ? outboxEntrySchema.safeParse(raw) : { success: true as const, data: accepted };
  if (!parsed.success) return { ok: false, key: k, id, raw, reason: parsed.error.issues[0]?.message ?? 'invalid' };
  // An entry queued before the client refused such input at mutate()/put() (or written behind the
  // engine's back) that the server refuses at the door: a 400 answers the whole push, so sending it
  // would stop the queue for good. Treated as unreadable: quarantined with its content kept.
  const refused = argsProblem(parsed.data.args);
  return refused === undefined ? { ok: true, entry: parsed.data } : { ok: false, key: k, id, raw, reason: refused };
}

function argsProblem(args: JsonValue): string | undefined {
  const problem = findRefusedJson(args, 'Mutation args');
  return problem === undefined ? undefined : `the server refuses these args: ${problem.message}`;
}

export function toWire(entry: OutboxEntry): Mutation {
  return { id: entry.id, name: entry.name, args: entry.args, createdAt: entry.createdAt };
}

export interface SettledMutation {
  entry: OutboxEntry;
  outcome: MutationOutcome;
}

/**
 * Record push outcomes. Rejected entries leave the outbox at once, their optimistic effects are
 * rolled back and they enter the rejected-mutations log (same transaction: every tab sees the log and
 * the rollback together); applied ones stay in the overlay until a pull brings their effects (no
 * flicker), unless a pull already did (`covered`), in which case they are done. An applied write
 * whose conflict the server resolved keeps, as its optimistic effect, the record the resolution produced.
 * `log.now`: the client clock, stamped on log entries. `sent`: the entries of the request, as read
 * and validated for it (see currentEntries).
 */
export async function settleOutcomes(
  tx: StoreWriter,
  outcomes: readonly MutationOutcome[],
  touched: TouchedRecords,
  log: { now: number; limit?: number },
  sent: readonly OutboxEntry[] = [],
): Promise<SettledMutation[]> {
  const settled: SettledMutation[] = [];
  const rejections: RejectedMutation[] = [];
  const current = await currentEntries(tx, outcomes, sent);
  for (const outcome of outcomes) {
    const entry = current.get(outcome.id);
    if (entry === undefined || entry.outcome !== undefined) continue;
    // Once: an answer that names an id twice must not settle it twice.
    current.delete(outcome.id);
    settled.push({ entry, outcome });
    if (outcome.status === 'rejected' || entry.covered) {
      await removeEntry(tx, entry);
      if (outcome.status === 'rejected') {
        touched.addOps(entry);
        const { id, name, args, createdAt } = entry;
        rejections.push({ v: 1, id, name, args, code: outcome.code, message: outcome.message, rejectedAt: log.now, createdAt });
      }
    } else {
      await tx.delete(T.unsettled, encodeSeq(entry.id));
      // A conflict the server resolved: the optimistic effect becomes the resolution, at once.
      const conflict = conflictOf(entry.name, outcome);
      const first = entry.ops[0];
      const ops = conflict === undefined || first === undefined ? entry.ops : resolvedOps(first, conflict);
      await tx.put(T.outbox, encodeSeq(entry.id), { ...entry, ops, outcome } as unknown as JsonValue);
      if (ops !== entry.ops) touched.addOps(entry);
    }
  }
  await appendRejections(tx, rejections, log.limit);
  return settled;
}

/**
 * The outbox entries of these outcomes as they are now, inside the settling transaction: another
 * tab or process (a leader whose lease this cycle outlasted) may have settled or removed one since
 * the request was read, or a pull of its may have marked one `covered`. One range scan reads them
 * (the ids of one answer are consecutive). A row that is still the entry we sent (same id, name and
 * creation time, no outcome) is taken as that entry, validated when it was read for sending, with
 * the row's `covered`: nothing else of an unsettled entry is ever rewritten (a quarantine replaces it
 * with a skip, another name). Any other row is parsed and validated in full.
 */
async function currentEntries(tx: StoreReader, outcomes: readonly MutationOutcome[], sent: readonly OutboxEntry[]): Promise<Map<number, OutboxEntry>> {
  const found = new Map<number, OutboxEntry>();
  if (outcomes.length === 0) return found;
  let low = Number.POSITIVE_INFINITY;
  let high = 0;
  for (const { id } of outcomes) {
    low = Math.min(low, id);
    high = Math.max(high, id);
  }
  // An answer that skips about (none of ours does) is read id by id rather than as a wide range.
  if (high - low >= 2 * outcomes.length) {
    for (const { id } of outcomes) {
      const raw = await tx.get(T.outbox, encodeSeq(id));
      if (raw !== undefined) found.set(id, parseOutboxEntry(raw, `outbox/${id}`));
    }
    return found;
  }
  const byId = new Map(sent.map((entry) => [entry.id, entry]));
  for (const [key, raw] of await tx.scan(T.outbox, { start: encodeSeq(low), end: encodeSeq(high + 1) })) {
    const id = decodeSeq(key);
    if (key !== encodeSeq(id)) continue;
    const known = byId.get(id);
    found.set(id, known !== undefined && isStill(raw, known) ? withCovered(known, raw['covered']) : parseOutboxEntry(raw, `outbox/${key}`));
  }
  return found;
}

function isStill(raw: JsonValue, known: OutboxEntry): raw is JsonObject & { covered: boolean } {
  return (
    isJsonObjectShallow(raw) &&
    raw['v'] === LOCAL_FORMAT &&
    raw['id'] === known.id &&
    raw['name'] === known.name &&
    raw['createdAt'] === known.createdAt &&
    raw['outcome'] === undefined &&
    typeof raw['covered'] === 'boolean'
  );
}

function withCovered(entry: OutboxEntry, covered: boolean): OutboxEntry {
  return entry.covered === covered ? entry : { ...entry, covered };
}

function isJsonObjectShallow(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function removeEntry(tx: StoreWriter, entry: OutboxEntry): Promise<void> {
  await tx.delete(T.outbox, encodeSeq(entry.id));
  await tx.delete(T.unsettled, encodeSeq(entry.id));
  await unindexEntry(tx, entry);
}

/** Entries with id <= lastMutationId, in order. */
export async function entriesUpTo(tx: StoreReader, lastMutationId: number): Promise<OutboxEntry[]> {
  if (lastMutationId < 1) return [];
  const rows = await tx.scan(T.outbox, { end: encodeSeq(lastMutationId + 1) });
  return rows.map(([k, raw]) => parseOutboxEntry(raw, `outbox/${k}`));
}
