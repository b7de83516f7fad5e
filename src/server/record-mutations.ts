/**
 * Server handlers for the generic record mutations `put`, `patch`, `delete` and `increment`. A
 * put/patch/delete whose base no longer matches the record is a conflict, resolved by the
 * collection's strategy (see src/server/conflicts/): detection, resolution, HLC stamps and the audit
 * trail live there. An increment never conflicts (conflicts/increment.ts).
 */
import type * as z from 'zod/mini';
import { HybridLogicalClock } from '../protocol/hlc.js';
import { deleteArgs, incrementArgs, patchArgs, putArgs } from '../protocol/record-ops.js';
import type { RecordOpName } from '../protocol/record-ops.js';
import { describeIssues } from '../protocol/wire.js';
import type { JsonValue } from '../protocol/json.js';
import type { GenericWrite } from './conflicts/detect.js';
import { runGenericWrite } from './conflicts/generic-write.js';
import { runIncrement } from './conflicts/increment.js';
import { DEFAULT_CONFLICT_STRATEGY, type ConflictStrategy } from './conflicts/strategy.js';
import { transactionOf } from './mutation-context.js';
import { MutationRejection } from './mutation-rejection.js';
import { acceptDeleteArgs, acceptPatchArgs, acceptPutArgs } from './push-validation.js';
import type { CollectionPolicy, MutationContext, MutationHandler } from './types.js';

export interface RecordHandlerOptions {
  /** Server wall clock in ms (audit times, stamps for writes that carry none). Default Date.now. */
  now?: () => number;
}

export function createRecordHandlers(
  collections: Record<string, CollectionPolicy>,
  options: RecordHandlerOptions = {},
): Record<RecordOpName, MutationHandler> {
  const now = options.now ?? Date.now;
  // Stamps writes from clients that send none (older clients): they count as made on arrival.
  const serverClock = new HybridLogicalClock('server', now);
  const strategyOf = (collection: string): ConflictStrategy => {
    const policy = Object.hasOwn(collections, collection) ? collections[collection] : undefined;
    if (policy?.writable === true) return policy.conflicts ?? DEFAULT_CONFLICT_STRATEGY;
    throw new MutationRejection('forbidden', `Collection "${collection}" does not accept generic writes; use its named mutations.`);
  };
  const transaction = (ctx: MutationContext) => {
    const trx = transactionOf(ctx);
    if (trx === undefined) throw new Error('Generic writes must run inside a push transaction.');
    return trx;
  };
  const run = async (ctx: MutationContext, write: GenericWrite): Promise<JsonValue | undefined> => {
    const strategy = strategyOf(write.collection);
    return runGenericWrite({ trx: transaction(ctx), ctx, strategy, now }, write);
  };
  return {
    async put(ctx, raw) {
      const { hlc, ...args } = acceptPutArgs(raw) ?? parseArgs(putArgs, raw, 'put');
      return run(ctx, { op: 'put', ...args, hlc: hlc ?? serverClock.now() });
    },
    async patch(ctx, raw) {
      const { hlc, ...args } = acceptPatchArgs(raw) ?? parseArgs(patchArgs, raw, 'patch');
      return run(ctx, { op: 'patch', ...args, hlc: hlc ?? serverClock.now() });
    },
    async delete(ctx, raw) {
      const { hlc, ...args } = acceptDeleteArgs(raw) ?? parseArgs(deleteArgs, raw, 'delete');
      return run(ctx, { op: 'delete', ...args, hlc: hlc ?? serverClock.now() });
    },
    async increment(ctx, raw) {
      const { hlc, ...args } = parseArgs(incrementArgs, raw, 'increment');
      strategyOf(args.collection); // writable or forbidden; the strategy itself does not apply
      return runIncrement(transaction(ctx), ctx, { ...args, hlc: hlc ?? serverClock.now() });
    },
  };
}

/** Validate handler args, turning a failure into a permanent 'invalid-args' rejection. */
export function parseArgs<T>(schema: z.ZodMiniType<T>, raw: JsonValue, mutationName: string): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new MutationRejection('invalid-args', `Invalid args for "${mutationName}": ${describeIssues(parsed.error)}`);
}
