/**
 * Validation of the knobs an app pins through `NetworkManager.optimizeForConnection(overrides)`.
 * Without it a misspelt or foreign key (`batchSize`, or the engine's `operation`) was copied into the
 * plan and silently changed nothing; the seed's own names get a pointer to ours.
 */
import { InvalidArgumentError } from '../core/errors.js';
import { LIMITS } from '../protocol/wire.js';
import type { AdaptivePlanOverrides } from './adaptive-plan.js';

type Check = (value: unknown) => boolean;
const integerIn = (min: number, max: number): Check => (v) => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;

const KNOBS: Record<keyof AdaptivePlanOverrides, { check: Check; accepts: string }> = {
  pushBatchSize: { check: integerIn(1, LIMITS.maxMutationsPerPush), accepts: `an integer 1…${LIMITS.maxMutationsPerPush}` },
  pullPageSize: { check: integerIn(1, LIMITS.maxPullLimit), accepts: `an integer 1…${LIMITS.maxPullLimit}` },
  requestTimeoutMs: { check: integerIn(1, 24 * 3_600_000), accepts: 'a positive integer (ms)' },
  concurrency: { check: integerIn(1, 64), accepts: 'an integer 1…64' },
  compress: { check: (v) => typeof v === 'boolean', accepts: 'true or false' },
};

/** The seed document's `NetworkOptimization` names, and what they are called here. */
const SEED_NAMES: Record<string, string> = {
  batchSize: 'pushBatchSize and pullPageSize',
  enableCompression: 'compress',
  maxConcurrentRequests: 'concurrency',
  timeoutMs: 'requestTimeoutMs',
};

/** Throws `InvalidArgumentError` for an unknown key or a value out of range; `undefined` means "not pinned". */
export function checkPlanOverrides(overrides: unknown): AdaptivePlanOverrides {
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    throw new InvalidArgumentError(`optimizeForConnection takes an object of plan values to pin, such as { pushBatchSize: 200 }; got ${overrides === null ? 'null' : typeof overrides}.`);
  }
  for (const [key, value] of Object.entries(overrides)) {
    const knob = (KNOBS as Record<string, { check: Check; accepts: string } | undefined>)[key];
    if (knob === undefined) {
      const hint = SEED_NAMES[key] === undefined ? '' : ` (here it is called ${SEED_NAMES[key]})`;
      throw new InvalidArgumentError(
        `optimizeForConnection: unknown plan option "${key}"${hint}. Accepted: ${Object.keys(KNOBS).join(', ')}. ` +
          'Sync options such as operation or priority belong to ProgressiveSyncEngine.executeSync.',
        { details: { key } },
      );
    }
    if (value !== undefined && !knob.check(value)) {
      throw new InvalidArgumentError(`optimizeForConnection: ${key} must be ${knob.accepts}, got ${JSON.stringify(value)}.`, { details: { key } });
    }
  }
  return overrides as AdaptivePlanOverrides;
}
