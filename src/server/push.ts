/**
 * POST /v1/push. The batch is checked for gaps up front (nothing applied on a gap); then it is applied
 * in slices of at most `maxSliceMutations` mutations or `maxSliceMs` of work, each slice one
 * transaction (push-slice.ts). A failure commits what came before it, so a crash or a failing handler
 * never loses what earlier mutations committed, and a resend is skipped.
 */
import type { Kysely } from 'kysely';
import type { Logger } from '../core/seams.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Mutation, PushRequest, PushResponse, MutationOutcome } from '../protocol/wire.js';
import { PROTOCOL_VERSION } from '../protocol/wire.js';
import { HttpError, internalError, invalidRequest } from './http-errors.js';
import { assertClientScope, errorMessage, gapError, runSlice } from './push-slice.js';
import { assertNotClaimedElsewhere } from './client-claim.js';
import type { ServerDatabase } from './schema.js';
import { readClient } from './storage.js';
import type { MutationCaller, MutationHandler, PushOptions, RuleChecks } from './types.js';
import type { ServerObserver } from './metrics/observer.js';

/**
 * Internal hook for the deliberately broken server of src/testing/broken-server.ts; not part of
 * `SyncServerOptions`. `reapply-resends` runs a resent mutation again instead of skipping it;
 * `out-of-order` applies each slice backwards.
 */
export const PUSH_FAULT: unique symbol = Symbol('syncline.push-fault');
export type PushFault = 'reapply-resends' | 'out-of-order';

/**
 * Internal hook for tests, not part of `SyncServerOptions`: `per-mutation` runs every mutation through
 * its handler, turning off the set-based runs of generic writes (generic-run.ts), so
 * a test can compare the two paths.
 */
export const PUSH_PATH: unique symbol = Symbol('syncline.push-path');
export type PushPath = 'per-mutation';

/**
 * Internal hook for tests, not part of `SyncServerOptions`: called with the number of mutations each
 * set-based run of generic writes settled (src/server/generic-run.ts), so a test can tell that the
 * path it compares really ran.
 */
export const PUSH_RUNS: unique symbol = Symbol('syncline.push-runs');

export interface PushDeps {
  db: Kysely<ServerDatabase>;
  handlers: ReadonlyMap<string, MutationHandler>;
  logger: Logger;
  /** Called after a slice commit that moved the scope's version (not for duplicates or rejections only). */
  onCommitted?: (change: { scope: string; version: number }) => void;
  slice: { maxMutations: number; maxMs: number };
  maxHandlerAttempts: number;
  /** Wall clock, epoch ms (failure and dead-letter times). */
  now(): number;
  fault?: PushFault;
  path?: PushPath;
  /** PUSH_RUNS: told how many mutations each set-based run settled. */
  onSetBasedRun?: (settled: number) => void;
  /** Events deep in the push path, for metrics (dead letters); absent or no-op when metrics are off. */
  observer?: ServerObserver;
  /** Who pushed (from the request's authentication), handed to handlers as `ctx.caller`. */
  caller?: MutationCaller;
  /** The access rules bound to `caller`, handed to handlers as `ctx.rules` (src/server/rules.ts). */
  rules?: RuleChecks;
}

const DEFAULTS = { maxSliceMutations: 1000, maxSliceMs: 50, maxHandlerAttempts: 5 } as const;

/** Validated push settings, defaults filled in. */
export function pushSettings(options: PushOptions = {}): Pick<PushDeps, 'slice' | 'maxHandlerAttempts'> {
  return {
    slice: {
      maxMutations: positive(options.maxSliceMutations, DEFAULTS.maxSliceMutations, 'push.maxSliceMutations', true),
      maxMs: positive(options.maxSliceMs, DEFAULTS.maxSliceMs, 'push.maxSliceMs', false),
    },
    maxHandlerAttempts: positive(options.maxHandlerAttempts, DEFAULTS.maxHandlerAttempts, 'push.maxHandlerAttempts', true),
  };
}

function positive(value: number | undefined, fallback: number, name: string, whole: boolean): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value) || (whole && !Number.isSafeInteger(value))) {
    throw new InvalidArgumentError(`${name} must be a positive ${whole ? 'whole number' : 'number'}, got ${String(value)}.`);
  }
  return value;
}

export async function handlePush(deps: PushDeps, scope: string, request: PushRequest): Promise<PushResponse> {
  assertConsecutive(request.mutations);
  // Cheap refusals before taking the scope lock; each slice checks again under it.
  const client = await readClient(deps.db, request.clientId);
  assertClientScope(client?.scope, scope, request.clientId);
  let lastMutationId = client?.lastMutationId ?? 0;
  const first = request.mutations[0];
  if (first !== undefined && first.id > lastMutationId + 1) throw gapError(lastMutationId);

  const outcomes: MutationOutcome[] = [];
  let rest = request.mutations;
  while (rest.length > 0) {
    const slice = await runSliceOr500(deps, scope, request.clientId, rest, request.settledThrough);
    outcomes.push(...slice.outcomes);
    lastMutationId = slice.lastMutationId;
    if (slice.failure !== undefined) {
      const { mutation, error } = slice.failure;
      deps.logger.error('push: mutation failed', { scope, clientId: request.clientId, mutationId: mutation.id, name: mutation.name, error: errorMessage(error) });
      // Earlier outcomes are committed; the client resends and gets them back as duplicates.
      throw internalError(error, { failedMutationId: mutation.id, committedThrough: mutation.id - 1 });
    }
    rest = rest.slice(slice.outcomes.length);
  }
  return { v: PROTOCOL_VERSION, lastMutationId, outcomes };
}

async function runSliceOr500(deps: PushDeps, scope: string, clientId: string, rest: Mutation[], settledThrough: number | undefined): ReturnType<typeof runSlice> {
  try {
    return await runSlice(deps, scope, clientId, rest, settledThrough);
  } catch (error) {
    if (error instanceof HttpError) throw error;
    await assertNotClaimedElsewhere(deps.db, clientId, scope, error);
    const failedMutationId = rest[0]?.id ?? 0;
    deps.logger.error('push: slice failed', { scope, clientId, failedMutationId, error: errorMessage(error) });
    // The slice rolled back; earlier slices (and earlier requests) stay committed.
    throw internalError(error, { failedMutationId, committedThrough: failedMutationId - 1 });
  }
}

function assertConsecutive(mutations: Mutation[]): void {
  mutations.forEach((m, i) => {
    const previous = mutations[i - 1];
    if (previous !== undefined && m.id !== previous.id + 1) {
      throw invalidRequest(`mutations.${i}.id: expected ${previous.id + 1} (ids in a batch must be consecutive), got ${m.id}.`);
    }
  });
}
