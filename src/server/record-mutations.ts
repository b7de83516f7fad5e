/**
 * Server handlers for the generic record mutations `put`, `patch` and `delete`. For now they apply
 * unconditionally; `baseVersion` / `expected` are validated but not yet compared (conflict detection
 * comes later).
 */
import type { z } from 'zod';
import { deleteArgs, patchArgs, putArgs } from '../protocol/record-ops.js';
import type { RecordOpName } from '../protocol/record-ops.js';
import { describeIssues } from '../protocol/wire.js';
import type { JsonValue } from '../protocol/json.js';
import { MutationRejection } from './mutation-rejection.js';
import type { CollectionPolicy, MutationHandler } from './types.js';

export function createRecordHandlers(collections: Record<string, CollectionPolicy>): Record<RecordOpName, MutationHandler> {
  const assertWritable = (collection: string): void => {
    if (Object.hasOwn(collections, collection) && collections[collection]?.writable === true) return;
    throw new MutationRejection('forbidden', `Collection "${collection}" does not accept generic writes; use its named mutations.`);
  };
  return {
    async put(ctx, raw) {
      const args = parseArgs(putArgs, raw, 'put');
      assertWritable(args.collection);
      await ctx.put(args.collection, args.key, args.value);
      return undefined;
    },
    async patch(ctx, raw) {
      const args = parseArgs(patchArgs, raw, 'patch');
      assertWritable(args.collection);
      const current = await ctx.get(args.collection, args.key);
      await ctx.put(args.collection, args.key, { ...(current ?? {}), ...args.fields });
      return undefined;
    },
    async delete(ctx, raw) {
      const args = parseArgs(deleteArgs, raw, 'delete');
      assertWritable(args.collection);
      await ctx.delete(args.collection, args.key);
      return undefined;
    },
  };
}

/** Validate handler args, turning a failure into a permanent 'invalid-args' rejection. */
export function parseArgs<T>(schema: z.ZodType<T>, raw: JsonValue, mutationName: string): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new MutationRejection('invalid-args', `Invalid args for "${mutationName}": ${describeIssues(parsed.error)}`);
}
