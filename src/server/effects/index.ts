/**
 * Server-side effects (a transactional outbox): `ctx.enqueue` inserts in the mutation's transaction,
 * the worker (worker.ts) delivers, `server.effects` inspects and replays. The one entry point the
 * server wires.
 */
import type { Kysely } from 'kysely';
import type { ServerDatabase } from '../schema.js';
import { listEffectDeadLetters, listEffects, replayEffectDeadLetter } from './storage.js';
import type { EffectsAdmin } from './types.js';
import { createEffectWorker, type EffectWorker, type EffectWorkerDeps } from './worker.js';

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

export { httpEffect, type HttpEffectOptions } from './http.js';
export { PermanentEffectError, isPermanentEffectError } from './errors.js';
export type * from './types.js';
