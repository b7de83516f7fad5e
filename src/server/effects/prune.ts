/**
 * Housekeeping of the delivery tables: delivered effects (webhook deliveries included), replayed
 * dead letters, and incoming webhook-ids seen long enough ago are deleted, oldest first, in batches
 * of `batchSize` rows per statement (each its own short transaction, so a backlog of millions never
 * holds locks or grows a transaction). Only what is finished goes: a pending effect and a dead letter
 * not yet replayed are never touched, whatever their age.
 *
 * A seen incoming webhook-id must outlive every callback that could still repeat it: a callback
 * stamped up to `tolerance` in the future is accepted until `tolerance` after that, so an id is kept
 * at least twice the tolerance after it was received (`validatePruning` refuses less).
 */
import type { Kysely } from 'kysely';
import { InvalidArgumentError } from '../../core/errors.js';
import type { Logger } from '../../core/seams.js';
import type { ServerDatabase } from '../schema.js';

type Db = Kysely<ServerDatabase>;

const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_DELIVERED_RETENTION_MS = 7 * DAY_MS;
export const DEFAULT_SEEN_RETENTION_MS = 7 * DAY_MS;
const DEFAULT_EVERY_MS = 60_000;
const DEFAULT_BATCH_SIZE = 500;

/** `effects.pruning`: how long finished rows are kept and how the pruner runs. */
export interface PruningOptions {
  /** Keep a delivered effect (and a replayed dead letter) this long after delivery, ms (default 7 days). */
  deliveredRetentionMs?: number;
  /** How often the pruner runs, ms (default 60 000). */
  everyMs?: number;
  /** Rows deleted per statement (default 500). */
  batchSize?: number;
}

export interface PrunePolicy {
  deliveredRetentionMs: number;
  /** undefined: no incoming webhooks, nothing to prune there. */
  seenRetentionMs: number | undefined;
  everyMs: number;
  batchSize: number;
}

export interface PruneResult {
  effects: number;
  deadLetters: number;
  incomingWebhooks: number;
}

/** Check where the options enter: a typo fails at `createSyncServer`. */
export function validatePruning(options: PruningOptions | undefined, incoming: { toleranceSeconds: number; seenRetentionSeconds: number | undefined } | undefined): PrunePolicy {
  const policy: PrunePolicy = {
    deliveredRetentionMs: options?.deliveredRetentionMs ?? DEFAULT_DELIVERED_RETENTION_MS,
    seenRetentionMs: incoming === undefined ? undefined : incoming.seenRetentionSeconds === undefined ? Math.max(DEFAULT_SEEN_RETENTION_MS, 2 * incoming.toleranceSeconds * 1000) : incoming.seenRetentionSeconds * 1000,
    everyMs: options?.everyMs ?? DEFAULT_EVERY_MS,
    batchSize: options?.batchSize ?? DEFAULT_BATCH_SIZE,
  };
  if (!Number.isSafeInteger(policy.deliveredRetentionMs) || policy.deliveredRetentionMs < 0) throw new InvalidArgumentError(`effects.pruning.deliveredRetentionMs must be whole milliseconds >= 0, got ${String(policy.deliveredRetentionMs)}.`);
  if (!Number.isSafeInteger(policy.everyMs) || policy.everyMs < 1 || policy.everyMs > 2 ** 31 - 1) throw new InvalidArgumentError(`effects.pruning.everyMs must be whole milliseconds between 1 and 2147483647, got ${String(policy.everyMs)}.`);
  if (!Number.isSafeInteger(policy.batchSize) || policy.batchSize < 1 || policy.batchSize > 10_000) throw new InvalidArgumentError(`effects.pruning.batchSize must be a whole number from 1 to 10000, got ${String(policy.batchSize)}.`);
  if (incoming !== undefined && policy.seenRetentionMs !== undefined) {
    const minimum = 2 * incoming.toleranceSeconds * 1000;
    if (!Number.isFinite(policy.seenRetentionMs) || policy.seenRetentionMs < minimum) {
      throw new InvalidArgumentError(`incomingWebhooks.seenRetentionSeconds must be at least twice toleranceSeconds (${2 * incoming.toleranceSeconds}), or a replayed callback could be accepted again; got ${String(incoming.seenRetentionSeconds)}.`);
    }
  }
  return policy;
}

/** One pass: delete every finished row older than its retention, `batchSize` rows at a time. */
export async function pruneOnce(db: Db, policy: Omit<PrunePolicy, 'everyMs'>, now: number, signal?: AbortSignal): Promise<PruneResult> {
  const deliveredBefore = now - policy.deliveredRetentionMs;
  const result: PruneResult = { effects: 0, deadLetters: 0, incomingWebhooks: 0 };
  result.effects = await inBatches(signal, async () => {
    const rows = await db.selectFrom('effects').select('seq').where('status', '=', 'delivered').where('delivered_at', '<', deliveredBefore).orderBy('delivered_at').limit(policy.batchSize).execute();
    if (rows.length === 0) return 0;
    // The status is checked again: only a delivered row is ever deleted.
    const deleted = await db.deleteFrom('effects').where('seq', 'in', rows.map((r) => r.seq)).where('status', '=', 'delivered').executeTakeFirst();
    return Number(deleted.numDeletedRows);
  }, policy.batchSize);
  result.deadLetters = await inBatches(signal, async () => {
    const rows = await db.selectFrom('effect_dead_letters').select('id').where('status', '=', 'replayed').where('replayed_at', '<', deliveredBefore).limit(policy.batchSize).execute();
    if (rows.length === 0) return 0;
    const deleted = await db.deleteFrom('effect_dead_letters').where('id', 'in', rows.map((r) => r.id)).where('status', '=', 'replayed').executeTakeFirst();
    return Number(deleted.numDeletedRows);
  }, policy.batchSize);
  if (policy.seenRetentionMs !== undefined) {
    const seenBefore = now - policy.seenRetentionMs;
    result.incomingWebhooks = await inBatches(signal, async () => {
      const rows = await db.selectFrom('incoming_webhooks').select(['source', 'webhook_id']).where('received_at', '<', seenBefore).orderBy('received_at').limit(policy.batchSize).execute();
      if (rows.length === 0) return 0;
      const deleted = await db.deleteFrom('incoming_webhooks').where('received_at', '<', seenBefore)
        .where((w) => w.or(rows.map((r) => w.and([w('source', '=', r.source), w('webhook_id', '=', r.webhook_id)])))).executeTakeFirst();
      return Number(deleted.numDeletedRows);
    }, policy.batchSize);
  }
  return result;
}

/** Run `batch` until it deletes less than a full batch (or the server stops); the total deleted. */
async function inBatches(signal: AbortSignal | undefined, batch: () => Promise<number>, size: number): Promise<number> {
  let total = 0;
  while (signal?.aborted !== true) {
    const deleted = await batch();
    total += deleted;
    if (deleted < size) break;
  }
  return total;
}

export interface PrunerDeps {
  db: () => Db;
  ready: () => Promise<void>;
  policy: PrunePolicy;
  now: () => number;
  logger: Logger;
  signal: AbortSignal;
}

/** Prune every `everyMs` until `signal` aborts; resolves once stopped (a pass in progress ends at its next batch). */
export async function runPruner(deps: PrunerDeps): Promise<void> {
  const { signal } = deps;
  while (!signal.aborted) {
    await sleep(deps.policy.everyMs, signal);
    if (signal.aborted) break;
    try {
      await deps.ready();
      const pruned = await pruneOnce(deps.db(), deps.policy, deps.now(), signal);
      if (pruned.effects + pruned.deadLetters + pruned.incomingWebhooks > 0) deps.logger.info('effects: pruned finished rows', { ...pruned });
    } catch (error) {
      if (signal.aborted) break;
      deps.logger.warn('effects: pruning failed; trying again at the next tick', { error: error instanceof Error ? error.message : String(error) });
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const finish = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      done();
    };
    const timer = setTimeout(finish, ms);
    signal.addEventListener('abort', finish, { once: true });
  });
}

/** The server's pruner, when it keeps any of these tables (effects, webhooks or incoming webhooks on); resolves once stopped. */
export function startPruning(
  options: { effects?: { pruning?: PruningOptions } | undefined; webhooks?: unknown; incomingWebhooks?: { toleranceSeconds?: number; seenRetentionSeconds?: number } | undefined },
  deps: Omit<PrunerDeps, 'policy'>,
  defaultToleranceSeconds: number,
): Promise<void> | undefined {
  const incoming = options.incomingWebhooks === undefined ? undefined : { toleranceSeconds: options.incomingWebhooks.toleranceSeconds ?? defaultToleranceSeconds, seenRetentionSeconds: options.incomingWebhooks.seenRetentionSeconds };
  const policy = validatePruning(options.effects?.pruning, incoming);
  const keeps = options.effects !== undefined || (options.webhooks !== undefined && options.webhooks !== false) || incoming !== undefined;
  return keeps ? runPruner({ ...deps, policy }) : undefined;
}
