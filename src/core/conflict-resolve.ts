/**
 * Settling a push response that reports conflicts (src/core/conflict-settle.ts sends only those
 * here). `resolveConflict` plugins are asked first, outside any store transaction (a plugin may do
 * I/O; store transactions must not wait on it). Then one transaction settles the outcomes,
 * re-applies what plugins asked for as new patch mutations (a rebase on top of the server's state),
 * advances the clock past the server's stamps, logs each conflict and rebuilds the optimistic view —
 * so it is corrected at once, whatever the resolution.
 *
 * A lazy chunk on the web client: the eager code it uses comes in `k` rather than through imports,
 * which would split those modules out of the page's first chunk (see src/core/query-deps.ts).
 */
import type { JsonObject, JsonValue } from '../protocol/json.js';
import type { ConflictReport, MutationOutcome, PushResponse } from '../protocol/wire.js';
import type { StoreWriter } from '../stores/store.js';
import type { ConflictKit, SettledResponse, SettleContext } from './conflict-settle.js';
import type { ConflictLogEntry } from './conflict-log.js';
import type { OutboxEntry } from './local-schema.js';
import type { SettledMutation } from './outbox.js';
import type { TouchedRecords } from './local-view.js';
import type { ConflictResolution, SyncConflict } from './plugins.js';

/** `settle` settles the response's outcomes in the given transaction, recording them in `touched`. */
export async function settleWithConflicts(
  k: ConflictKit,
  ctx: SettleContext,
  response: PushResponse,
  { touched, settle }: { touched: TouchedRecords; settle: (tx: StoreWriter) => Promise<SettledMutation[]> },
  logLimit: number,
): Promise<SettledResponse> {
  const answers = await askPlugins(k, ctx, response.outcomes);
  const { settled, logged } = await ctx.store.write(async (tx) => {
    const out = await settle(tx);
    const entries: Array<Omit<ConflictLogEntry, 'seq' | 'v'>> = [];
    for (const { entry, outcome } of out) {
      const report = k.conflictOf(entry.name, outcome);
      if (report === undefined) continue;
      if (report.hlc !== undefined) await k.observeStamp(tx, ctx.clientId, ctx.now(), report.hlc);
      const reappliedAs = await reapply(k, tx, ctx, entry, report, answers.get(entry.id), touched);
      entries.push({ ...describeEntry(k, entry, report, ctx.now()), ...(reappliedAs === undefined ? {} : { reappliedAs }) });
    }
    const written = await k.appendConflictLog(tx, entries, logLimit);
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
async function askPlugins(k: ConflictKit, ctx: SettleContext, outcomes: readonly MutationOutcome[]): Promise<Map<number, ConflictResolution>> {
  const answers = new Map<number, ConflictResolution>();
  const rejected = outcomes.filter((o) => o.status === 'rejected' && o.conflict !== undefined);
  if (rejected.length === 0) return answers;
  const entries = await ctx.store.read(async (tx) => {
    const found: OutboxEntry[] = [];
    for (const o of rejected) {
      const raw = await tx.get(k.T.outbox, k.encodeSeq(o.id));
      if (raw !== undefined) found.push(k.parseOutboxEntry(raw, `outbox/${o.id}`));
    }
    return found;
  });
  for (const entry of entries) {
    const outcome = rejected.find((o) => o.id === entry.id);
    const report = outcome === undefined ? undefined : k.conflictOf(entry.name, outcome);
    if (entry.outcome !== undefined || report === undefined) continue;
    const answer = await ctx.plugins.resolveConflict(toSyncConflict(k, entry, report));
    if (answer !== undefined) answers.set(entry.id, answer);
  }
  return answers;
}

function toSyncConflict(k: ConflictKit, entry: OutboxEntry, report: ConflictReport): SyncConflict {
  const { collection, key } = target(k, entry.args);
  return {
    mutationId: entry.id,
    mutationName: entry.name,
    collection,
    key,
    strategy: report.strategy,
    serverValue: report.serverValue ?? undefined,
    clientValue: k.clientValueOf(entry.name, entry.args) ?? undefined,
  };
}

/**
 * A plugin's `reapply`: a new patch built on the server's state (its values as `expected`, its
 * version as base), so it applies unless the record changed yet again.
 */
async function reapply(
  k: ConflictKit,
  tx: StoreWriter,
  ctx: SettleContext,
  entry: OutboxEntry,
  report: ConflictReport,
  answer: ConflictResolution | undefined,
  touched: TouchedRecords,
): Promise<number | undefined> {
  if (answer?.action !== 'reapply' || Object.keys(answer.fields).length === 0) return undefined;
  const { collection, key } = target(k, entry.args);
  const expected: JsonObject = {};
  for (const field of Object.keys(answer.fields)) expected[field] = report.serverValue?.[field] ?? null;
  const baseVersion = report.serverValue === null ? null : report.serverVersion;
  const hlc = await k.stampWrite(tx, ctx.clientId, ctx.now());
  const args = { collection, key, fields: answer.fields, expected, baseVersion, hlc };
  const queued = await k.appendMutation(tx, {
    name: 'patch',
    args: args as unknown as JsonValue,
    ops: [{ op: 'patch', collection, key, fields: answer.fields }],
    createdAt: ctx.now(),
  });
  touched.add(collection, key);
  return queued.id;
}

function describeEntry(k: ConflictKit, entry: OutboxEntry, report: ConflictReport, at: number): Omit<ConflictLogEntry, 'seq' | 'v'> {
  return { at, mutationId: entry.id, mutationName: entry.name, ...target(k, entry.args), clientValue: k.clientValueOf(entry.name, entry.args), server: report };
}

function target(k: ConflictKit, args: JsonValue): { collection: string; key: string } {
  const collection = k.isJsonObject(args) && typeof args['collection'] === 'string' ? args['collection'] : '';
  const key = k.isJsonObject(args) && typeof args['key'] === 'string' ? args['key'] : '';
  return { collection, key };
}
