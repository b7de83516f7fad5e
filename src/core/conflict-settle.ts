/**
 * Settling a push response when it may report conflicts. `resolveConflict` plugins are asked first,
 * outside any store transaction (a plugin may do I/O; store transactions must not wait on it). Then
 * one transaction settles the outcomes, re-applies what plugins asked for as new patch mutations (a
 * rebase on top of the server's state), advances the clock past the server's stamps, logs each
 * conflict and rebuilds the optimistic view — so it is corrected at once, whatever the resolution.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../protocol/json.js';
import type { ConflictReport, MutationOutcome, PushResponse } from '../protocol/wire.js';
import type { StoreWriter } from '../stores/store.js';
import { encodeSeq } from '../stores/store.js';
import { observeStamp, stampWrite } from './conflict-clock.js';
import { appendConflictLog, DEFAULT_CONFLICT_LOG_LIMIT, type ConflictLogEntry } from './conflict-log.js';
import { clientValueOf, conflictOf } from './conflict-outcome.js';
import type { CycleContext } from './cycle-context.js';
import { T, parseOutboxEntry, type OutboxEntry } from './local-schema.js';
import { TouchedRecords } from './local-view.js';
import { appendMutation, settleOutcomes, type SettledMutation } from './outbox.js';
import type { ConflictResolution, SyncConflict } from './plugins.js';

type SettleContext = Pick<CycleContext, 'store' | 'plugins' | 'clientId' | 'now' | 'emit'>;

export interface SettledResponse {
  settled: SettledMutation[];
  touched: TouchedRecords;
}

/** `sent`: the entries of the request, as read for it (settling then need not parse them again). */
export async function settlePushResponse(ctx: SettleContext, response: PushResponse, sent: readonly OutboxEntry[] = [], logLimit = DEFAULT_CONFLICT_LOG_LIMIT): Promise<SettledResponse> {
  const answers = await askPlugins(ctx, response.outcomes);
  const touched = new TouchedRecords();
  const { settled, logged } = await ctx.store.write(async (tx) => {
    const out = await settleOutcomes(tx, response.outcomes, touched, { now: ctx.now() }, sent);
    const entries: Array<Omit<ConflictLogEntry, 'seq' | 'v'>> = [];
    for (const { entry, outcome } of out) {
      const report = conflictOf(entry.name, outcome);
      if (report === undefined) continue;
      if (report.hlc !== undefined) await observeStamp(tx, ctx.clientId, ctx.now(), report.hlc);
      const reappliedAs = await reapply(tx, ctx, entry, report, answers.get(entry.id), touched);
      entries.push({ ...describeEntry(entry, report, ctx.now()), ...(reappliedAs === undefined ? {} : { reappliedAs }) });
    }
    const written = await appendConflictLog(tx, entries, logLimit);
    await touched.rebaseAll(tx);
    return { settled: out, logged: written };
  });
  for (const conflict of logged) {
    ctx.emit({ type: 'conflict.detected', conflict });
    ctx.emit({ type: 'conflict.resolved', conflict });
    if (conflict.reappliedAs !== undefined) ctx.emit({ type: 'mutation.queued', id: conflict.reappliedAs, name: 'patch' });
  }
  return { settled, touched };
}

/** Ask plugins about each server-wins rejection of a still-unsettled entry. */
async function askPlugins(ctx: SettleContext, outcomes: readonly MutationOutcome[]): Promise<Map<number, ConflictResolution>> {
  const answers = new Map<number, ConflictResolution>();
  const rejected = outcomes.filter((o) => o.status === 'rejected' && o.conflict !== undefined);
  if (rejected.length === 0) return answers;
  const entries = await ctx.store.read(async (tx) => {
    const found: OutboxEntry[] = [];
    for (const o of rejected) {
      const raw = await tx.get(T.outbox, encodeSeq(o.id));
      if (raw !== undefined) found.push(parseOutboxEntry(raw, `outbox/${o.id}`));
    }
    return found;
  });
  for (const entry of entries) {
    const outcome = rejected.find((o) => o.id === entry.id);
    const report = outcome === undefined ? undefined : conflictOf(entry.name, outcome);
    if (entry.outcome !== undefined || report === undefined) continue;
    const answer = await ctx.plugins.resolveConflict(toSyncConflict(entry, report));
    if (answer !== undefined) answers.set(entry.id, answer);
  }
  return answers;
}

function toSyncConflict(entry: OutboxEntry, report: ConflictReport): SyncConflict {
  const { collection, key } = target(entry.args);
  return {
    mutationId: entry.id,
    mutationName: entry.name,
    collection,
    key,
    strategy: report.strategy,
    serverValue: report.serverValue ?? undefined,
    clientValue: clientValueOf(entry.name, entry.args) ?? undefined,
  };
}

/**
 * A plugin's `reapply`: a new patch built on the server's state (its values as `expected`, its
 * version as base), so it applies unless the record changed yet again.
 */
async function reapply(
  tx: StoreWriter,
  ctx: SettleContext,
  entry: OutboxEntry,
  report: ConflictReport,
  answer: ConflictResolution | undefined,
  touched: TouchedRecords,
): Promise<number | undefined> {
  if (answer?.action !== 'reapply' || Object.keys(answer.fields).length === 0) return undefined;
  const { collection, key } = target(entry.args);
  const expected: JsonObject = {};
  for (const field of Object.keys(answer.fields)) expected[field] = report.serverValue?.[field] ?? null;
  const baseVersion = report.serverValue === null ? null : report.serverVersion;
  const hlc = await stampWrite(tx, ctx.clientId, ctx.now());
  const args = { collection, key, fields: answer.fields, expected, baseVersion, hlc };
  const queued = await appendMutation(tx, {
    name: 'patch',
    args: args as unknown as JsonValue,
    ops: [{ op: 'patch', collection, key, fields: answer.fields }],
    createdAt: ctx.now(),
  });
  touched.add(collection, key);
  return queued.id;
}

function describeEntry(entry: OutboxEntry, report: ConflictReport, at: number): Omit<ConflictLogEntry, 'seq' | 'v'> {
  return { at, mutationId: entry.id, mutationName: entry.name, ...target(entry.args), clientValue: clientValueOf(entry.name, entry.args), server: report };
}

function target(args: JsonValue): { collection: string; key: string } {
  const collection = isJsonObject(args) && typeof args['collection'] === 'string' ? args['collection'] : '';
  const key = isJsonObject(args) && typeof args['key'] === 'string' ? args['key'] : '';
  return { collection, key };
}
