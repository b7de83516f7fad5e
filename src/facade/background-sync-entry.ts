/**
 * The public `BackgroundSyncService`: the scheduler of `background-sync-service.ts` with the seed's
 * constructor (`new BackgroundSyncService()`, client from `setDefaultClient`) and options checked when
 * a job is scheduled rather than when it first runs — a misspelt option would otherwise give a job id
 * for a job that can only fail, silently, later.
 *
 * Kept apart from the scheduler so the two can change independently; folding this into that file's
 * constructor (`resolveClient(client, 'BackgroundSyncService')`) and `scheduleSync` would remove it.
 */
import type { SynclineClient } from '../core/client.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { SyncPriority } from '../core/sync-queue.js';
import { BackgroundSyncService as Scheduler, type BackgroundTrigger, type JobSchedule } from './background-sync-service.js';
import { resolveClient } from './default-client.js';
import type { SyncOptions } from './progressive-sync-engine.js';
import { checkSyncOptions } from './sync-options.js';

type SchedulerRest = ConstructorParameters<typeof Scheduler> extends [unknown, ...infer Rest] ? Rest : never;

const TRIGGERS: readonly BackgroundTrigger[] = ['periodic', 'connectivity', 'data-change', 'manual'];
const PRIORITIES: readonly SyncPriority[] = ['high', 'normal', 'low'];

/**
 * Background sync jobs (periodic, on reconnect, after local writes, manual) over a client.
 *
 * @example
 * setDefaultClient(client);
 * const backgroundSync = new BackgroundSyncService();
 * await backgroundSync.initialize();
 * const jobId = await backgroundSync.scheduleSync({ operation: 'delta', priority: 'low' }, 'periodic');
 */
export class BackgroundSyncService extends Scheduler {
  /**
   * `client`: the client to drive; omit it (or pass undefined) to use the one registered with
   * `setDefaultClient` now — without either this throws a `NoClientError` saying what to pass.
   */
  constructor(client?: SynclineClient, ...rest: SchedulerRest) {
    super(resolveClient(client, 'BackgroundSyncService'), ...rest);
  }

  override async scheduleSync(options: SyncOptions, trigger: BackgroundTrigger, priority?: SyncPriority, schedule?: JobSchedule): Promise<string> {
    checkSyncOptions(options);
    if (!TRIGGERS.includes(trigger)) {
      throw new InvalidArgumentError(`Unknown trigger ${JSON.stringify(trigger)}. Accepted: ${TRIGGERS.join(', ')}.`);
    }
    if (priority !== undefined && !PRIORITIES.includes(priority)) {
      throw new InvalidArgumentError(`Job priority must be one of ${PRIORITIES.join(', ')}, got ${JSON.stringify(priority)}.`);
    }
    return super.scheduleSync(options, trigger, priority, schedule);
  }
}
