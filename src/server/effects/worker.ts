/**
 * The effect worker: claim due effects (one per key), deliver them concurrently, record the outcome.
 *
 *   idle ──wake()/poll──▶ claim ──none──▶ idle
 *                           │ some
 *                           ▼
 *                 deliver each (timeout) ──ok──▶ writeBack? ──▶ mark delivered
 *                           │ failed
 *                           ▼
 *             attempts < max ? schedule retry (backoff + full jitter) : dead-letter
 *
 * At least once: an effect is marked delivered only after its handler returned, so a worker killed
 * in between leaves it pending with a lease that expires, and it is delivered again. The loop stops
 * when `signal` aborts; `run()` resolves once the running deliveries have settled.
 */
import { setMaxListeners } from 'node:events';
import type { Kysely } from 'kysely';
import type { Logger } from '../../core/seams.js';
import type { JsonValue } from '../../protocol/json.js';
import type { ServerDatabase } from '../schema.js';
import { errorMessage } from '../push-slice.js';
import { isPermanentEffectError } from './errors.js';
import { claimEffects, settleRound, type Settlement } from './storage.js';
import type { Effect, EffectDefinition, EffectDeliver, EffectsOptions } from './types.js';

/**
 * Runs the write-back mutation server-side in the effect's scope and, in the same transaction, marks
 * the effect delivered (so a write-back commits once); throws `PermanentEffectError` when the
 * mutation refuses. Injected by the server (src/server/server-mutation.ts).
 */
export type WriteBack = (effect: Effect, mutation: string, args: JsonValue, result: JsonValue | undefined) => Promise<void>;

export interface EffectWorkerDeps {
  db: () => Kysely<ServerDatabase>;
  /** Resolves once the database is usable (rejects while it is not). */
  ready: () => Promise<void>;
  options: EffectsOptions;
  logger: Logger;
  now: () => number;
  writeBack?: WriteBack;
  observer?: { delivered?(name: string): void; failed?(name: string): void; deadLettered?(name: string): void };
  random?: () => number;
}

export interface EffectWorker {
  /** A commit may have enqueued effects: claim now instead of at the next poll. */
  wake(): void;
  /** Deliver until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
}

export function createEffectWorker(deps: EffectWorkerDeps): EffectWorker {
  const settings = resolve(deps.options);
  const definitions = new Map(Object.entries(deps.options.handlers).map(([name, h]) => [name, typeof h === 'function' ? { deliver: h } : h] as const));
  const random = deps.random ?? Math.random;
  let woken = false;
  let wakeUp: (() => void) | undefined;

  const idle = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise((done) => {
      if (woken || signal.aborted) return done();
      const finish = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', finish);
        wakeUp = undefined;
        done();
      };
      const timer = setTimeout(finish, ms);
      signal.addEventListener('abort', finish, { once: true });
      wakeUp = finish;
    });

  /** Deliver one effect; what to record (nothing when close() cut it short: its lease expires, it runs again). */
  const deliverOne = async (effect: Effect, signal: AbortSignal): Promise<Settlement | undefined> => {
    const definition = definitions.get(effect.name);
    try {
      if (definition === undefined) throw new UnknownEffect(effect.name);
      const result = await withTimeout(definition.deliver, effect, settings.timeoutMs, signal);
      if (definition.writeBack !== undefined) await runWriteBack(definition, effect, result);
      deps.observer?.delivered?.(effect.name);
      return { kind: 'delivered', id: effect.id, result: result ?? undefined };
    } catch (error) {
      if (signal.aborted) return undefined;
      const message = errorMessage(error);
      deps.observer?.failed?.(effect.name);
      if (isPermanentEffectError(error) || error instanceof UnknownEffect || effect.attempt >= settings.maxAttempts) {
        deps.observer?.deadLettered?.(effect.name);
        deps.logger.error('effects: effect dead-lettered', { id: effect.id, name: effect.name, attempts: effect.attempt, error: message });
        return { kind: 'dead', id: effect.id, error: message };
      }
      const delay = backoff(settings, effect.attempt, random);
      deps.logger.warn('effects: delivery failed; will retry', { id: effect.id, name: effect.name, attempt: effect.attempt, retryInMs: delay, error: message });
      return { kind: 'retry', id: effect.id, error: message, retryAt: deps.now() + delay };
    }
  };

  const runWriteBack = async (definition: EffectDefinition, effect: Effect, result: JsonValue | undefined | void): Promise<void> => {
    if (deps.writeBack === undefined) throw new Error(`Effect "${effect.name}" names a writeBack mutation but this server has no server-side mutation runner.`);
    await deps.writeBack(effect, definition.writeBack as string, { effectId: effect.id, name: effect.name, key: effect.key, payload: effect.payload, result: result ?? null }, result ?? undefined);
  };

  const round = async (signal: AbortSignal): Promise<number> => {
    await deps.ready();
    woken = false;
    const batch = await claimEffects(deps.db(), deps.now(), settings.concurrency, settings.leaseMs);
    const settled = await Promise.all(batch.map((effect) => deliverOne(effect, signal)));
    // Only after every delivery of the round returned: at least once, never "delivered" before sent.
    await settleRound(deps.db(), settled.filter((s) => s !== undefined), deps.now());
    return batch.length;
  };

  return {
    wake() {
      woken = true;
      wakeUp?.();
    },
    async run(signal) {
      // Each delivery in flight listens on the stop signal: up to `concurrency` listeners at once.
      setMaxListeners(settings.concurrency + 10, signal);
      while (!signal.aborted) {
        try {
          const delivered = await round(signal);
          if (delivered === 0) await idle(settings.pollMs, signal);
        } catch (error) {
          if (signal.aborted) break;
          deps.logger.warn('effects: worker round failed; trying again after the poll interval', { error: errorMessage(error) });
          woken = false;
          await idle(settings.pollMs, signal);
        }
      }
    },
  };
}

class UnknownEffect extends Error {
  constructor(name: string) {
    super(`This server has no effect handler named "${name}"; register it under effects.handlers.`);
  }
}

type Settings = Required<Omit<EffectsOptions, 'handlers' | 'pruning'>>;

function resolve(options: EffectsOptions): Settings {
  const settings: Settings = {
    maxAttempts: options.maxAttempts ?? 8,
    backoffMs: options.backoffMs ?? 1000,
    maxBackoffMs: options.maxBackoffMs ?? 5 * 60_000,
    timeoutMs: options.timeoutMs ?? 30_000,
    leaseMs: options.leaseMs ?? 60_000,
    concurrency: options.concurrency ?? 16,
    pollMs: options.pollMs ?? 1000,
  };
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isSafeInteger(value) || value < (name === 'backoffMs' ? 0 : 1)) throw new InvalidEffectsOption(name, value);
  }
  return settings;
}

class InvalidEffectsOption extends Error {
  constructor(name: string, value: number) {
    super(`effects.${name} must be a positive whole number, got ${value}.`);
  }
}

/** Full jitter: a uniform delay up to the capped exponential, so failing effects do not retry in step. */
export function backoff(settings: Pick<Settings, 'backoffMs' | 'maxBackoffMs'>, attempt: number, random: () => number): number {
  const cap = Math.min(settings.maxBackoffMs, settings.backoffMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(random() * cap);
}

async function withTimeout(deliver: EffectDeliver, effect: Effect, timeoutMs: number, stop: AbortSignal): Promise<JsonValue | undefined | void> {
  const attempt = new AbortController();
  // A timer of our own, cleared when the attempt ends, so close() leaves none behind.
  const timer = setTimeout(() => attempt.abort(new Error(`Effect delivery timed out after ${timeoutMs} ms.`)), timeoutMs);
  const onStop = (): void => attempt.abort(stop.reason);
  stop.addEventListener('abort', onStop, { once: true });
  // A handler that ignores its signal still counts as failed at the deadline.
  const aborted = new Promise<never>((_, reject) => {
    attempt.signal.addEventListener('abort', () => reject(attempt.signal.reason instanceof Error ? attempt.signal.reason : new Error('Effect delivery aborted.')), { once: true });
  });
  aborted.catch(() => {});
  try {
    return await Promise.race([deliver(effect, { signal: attempt.signal, idempotencyKey: effect.id }), aborted]);
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
}
