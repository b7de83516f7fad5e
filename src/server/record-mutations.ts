/**
 * Server handlers for the generic record mutations `put`, `patch`, `delete` and `increment`. A
 * put/patch/delete whose base no longer matches the record is a conflict, resolved by the
 * collection's strategy (see src/server/conflicts/): detection, resolution, HLC stamps and the audit
 * trail live there. An increment never conflicts (conflicts/increment.ts).
 */
import type { Validator } from '../protocol/issues.js';
import { HybridLogicalClock } from '../protocol/hlc.js';
import { deleteArgs, incrementArgs, patchArgs, putArgs } from '../protocol/record-ops.js';
import type { RecordOpName } from '../protocol/record-ops.js';
import { describeIssues } from '../protocol/wire.js';
import type { JsonValue } from '../protocol/json.js';
import type { GenericWrite } from './conflicts/detect.js';
import { runGenericWrite } from './conflicts/generic-write.js';
import { runIncrement, type IncrementWrite } from './conflicts/increment.js';
import { DEFAULT_CONFLICT_STRATEGY, type ConflictStrategy } from './conflicts/strategy.js';
import { setRecordOp, transactionOf } from './mutation-context.js';
import { MutationRejection } from './mutation-rejection.js';
import { InvalidArgumentError } from '../core/errors.js';
import { collectionConformance } from './collection-schema.js';
import { acceptDeleteArgs, acceptPatchArgs, acceptPutArgs } from './push-validation.js';
import type { CollectionPolicy, MutationContext, MutationHandler } from './types.js';

export interface RecordHandlerOptions {
  /** Server wall clock in ms (audit times, stamps for writes that carry none). Default Date.now. */
  now?: () => number;
  /** Whether a collection has access rules (src/server/rules.ts); default: none has. */
  ruled?: (collection: string) => boolean;
}

/**
 * A built-in generic mutation with its args validated, its stamp set and its collection checked
 * writable: what its handler runs. The push runs these set-based, without calling the
 * handler (src/server/generic-run.ts).
 */
export type PreparedRecordOp =
  | { kind: 'write'; write: GenericWrite; strategy: ConflictStrategy }
  | { kind: 'increment'; write: IncrementWrite };

export interface RecordOpSpec {
  /** Throws the MutationRejection the handler would throw (invalid args, a collection that is not writable). */
  prepare(raw: JsonValue): PreparedRecordOp;
  /** The handlers' wall clock (audit times). */
  now(): number;
  /** Whether the collection has access rules or a schema: its writes then run through the handler, which checks them. */
  ruled(collection: string): boolean;
}

/** The built-in handlers' specs, by handler: an app's own handler under the same name has none. */
const specs = new WeakMap<MutationHandler, RecordOpSpec>();

/** The spec of `handler` when it is one of the built-in generic handlers, else undefined. */
export function recordOpSpecOf(handler: MutationHandler | undefined): RecordOpSpec | undefined {
  return handler === undefined ? undefined : specs.get(handler);
}

export function createRecordHandlers(
  collections: Record<string, CollectionPolicy>,
  options: RecordHandlerOptions = {},
): Record<RecordOpName, MutationHandler> {
  const now = options.now ?? Date.now;
  for (const [name, policy] of Object.entries(collections)) {
    const props = (policy.schema as { '~standard'?: { validate?: unknown } } | undefined)?.['~standard'];
    if (policy.schema !== undefined && typeof props?.validate !== 'function') {
      throw new InvalidArgumentError(`collections.${name}.schema is not a Standard Schema validator; pass e.g. a zod or valibot object schema.`);
    }
  }
  const policyOf = (collection: string): CollectionPolicy | undefined => (Object.hasOwn(collections, collection) ? collections[collection] : undefined);
  const conform = collectionConformance((collection) => policyOf(collection)?.schema);
  const rulesApply = options.ruled ?? ((): boolean => false);
  // A schema is checked by the handler too, so such collections also leave PostgreSQL's set-based run.
  const ruled = (collection: string): boolean => rulesApply(collection) || policyOf(collection)?.schema !== undefined;
  // Stamps writes from clients that send none (older clients): they count as made on arrival.
  const serverClock = new HybridLogicalClock('server', now);
  const strategyOf = (collection: string): ConflictStrategy => {
    const policy = policyOf(collection);
    if (policy?.writable === true) return policy.conflicts ?? DEFAULT_CONFLICT_STRATEGY;
    throw new MutationRejection('forbidden', `Collection "${collection}" does not accept generic writes; use its named mutations.`);
  };
  const write = (write: GenericWrite): PreparedRecordOp => ({ kind: 'write', write, strategy: strategyOf(write.collection) });
  const prepare: Record<RecordOpName, (raw: JsonValue) => PreparedRecordOp> = {
    put(raw) {
      const { hlc, ...args } = acceptPutArgs(raw) ?? parseArgs(putArgs, raw, 'put');
      return write({ op: 'put', ...args, hlc: hlc ?? serverClock.now() });
    },
    patch(raw) {
      const { hlc, ...args } = acceptPatchArgs(raw) ?? parseArgs(patchArgs, raw, 'patch');
      return write({ op: 'patch', ...args, hlc: hlc ?? serverClock.now() });
    },
    delete(raw) {
      const { hlc, ...args } = acceptDeleteArgs(raw) ?? parseArgs(deleteArgs, raw, 'delete');
      return write({ op: 'delete', ...args, hlc: hlc ?? serverClock.now() });
    },
    increment(raw) {
      const { hlc, ...args } = parseArgs(incrementArgs, raw, 'increment');
      strategyOf(args.collection); // writable or forbidden; the strategy itself does not apply
      return { kind: 'increment', write: { ...args, hlc: hlc ?? serverClock.now() } };
    },
  };
  const run = async (ctx: MutationContext, op: PreparedRecordOp): Promise<JsonValue | undefined> => {
    const trx = transactionOf(ctx);
    if (trx === undefined) throw new Error('Generic writes must run inside a push transaction.');
    setRecordOp(ctx, op.kind === 'increment' ? 'increment' : op.write.op);
    if (op.kind === 'increment') return runIncrement(trx, ctx, op.write, conform);
    return runGenericWrite({ trx, ctx, strategy: op.strategy, now, conform }, op.write);
  };
  const handler = (name: RecordOpName): MutationHandler => {
    const spec: RecordOpSpec = { prepare: prepare[name], now, ruled };
    const handle: MutationHandler = async (ctx, raw) => run(ctx, spec.prepare(raw));
    specs.set(handle, spec);
    return handle;
  };
  return { put: handler('put'), patch: handler('patch'), delete: handler('delete'), increment: handler('increment') };
}

/** Validate handler args, turning a failure into a permanent 'invalid-args' rejection. */
export function parseArgs<T>(schema: Validator<T>, raw: JsonValue, mutationName: string): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new MutationRejection('invalid-args', `Invalid args for "${mutationName}": ${describeIssues(parsed.error)}`);
}
