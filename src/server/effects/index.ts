/**
 * Server-side effects (a transactional outbox): `ctx.enqueue` inserts in the mutation's transaction,
 * the worker (worker.ts) delivers, `server.effects` inspects and replays. The one entry point the
 * server wires.
 */
import type { Kysely } from 'kysely';
import type { JsonValue } from '../../protocol/json.js';
import type { ServerDatabase } from '../schema.js';
import { runServerMutation, type ServerMutationDeps } from '../server-mutation.js';
import { PermanentEffectError } from './errors.js';
import { listEffectDeadLetters, listEffects, markDelivered, replayEffectDeadLetter } from './storage.js';
import type { Effect } from './types.js';
import type { EffectsAdmin } from './types.js';
import { createEffectWorker, type EffectWorker, type EffectWorkerDeps, type WriteBack } from './worker.js';

export interface EffectsRuntime {
  admin: EffectsAdmin;
  worker: EffectWorker | undefined;
}

/** `deps.options` undefined: no worker (nothing to deliver to), but the admin API still reads the tables. */
export function createEffectsRuntime(deps: Omit<EffectWorkerDeps, 'options'> & { options: EffectWorkerDeps['options'] | undefined }): EffectsRuntime {
  const worker = deps.options === undefined ? undefined : createEffectWorker({ ...deps, options: deps.options });
  const db = async (): Promise<Kysely<ServerDatabase>> => {
    await deps.ready();
    return deps.db();
  };
  return {
    worker,
    admin: {
      list: async (query) => listEffects(await db(), query),
      deadLetters: async (query) => listEffectDeadLetters(await db(), query),
      async replay(id) {
        await replayEffectDeadLetter(await db(), id, deps.now());
        worker?.wake();
      },
    },
  };
}

/** `ctx.clientId` of a write-back mutation: ':' never occurs in a real client id. */
export const EFFECT_CLIENT_ID = 'syncline:effect';

/** The write-back on the shared server-side mutation runner; the delivered mark commits with its writes. */
export function effectWriteBack(deps: () => ServerMutationDeps, now: () => number): WriteBack {
  return async (effect: Effect, mutation: string, args: JsonValue, result: JsonValue | undefined) => {
    const outcome = await runServerMutation(deps(), {
      scope: effect.scope,
      name: mutation,
      args,
      origin: EFFECT_CLIENT_ID,
      after: async (trx, settled) => {
        if (settled.status === 'applied') await markDelivered(trx, effect.id, result, now());
      },
    });
    if (outcome.status === 'rejected') throw new PermanentEffectError(`Write-back mutation "${mutation}" refused effect ${effect.id}: ${outcome.code}: ${outcome.message}`);
  };
}

export { httpEffect, type HttpEffectOptions } from './http.js';
export { PermanentEffectError, isPermanentEffectError } from './errors.js';
export type * from './types.js';
export type { PruningOptions } from './prune.js';
