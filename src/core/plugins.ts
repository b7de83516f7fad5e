/**
 * Sync plugins: hooks around the cycle. A hook that throws is reported with the plugin's name
 * (`PluginError`) and aborts only the current cycle, before anything of that step is committed, so
 * state stays consistent and the next cycle starts from the last checkpoint.
 */
import { SynclineError } from './errors.js';
import type { SyncCycleResult, SyncTrigger } from './events.js';
import type { JsonObject } from '../protocol/json.js';
import type { Mutation, PullResponse } from '../protocol/wire.js';

export interface SyncContext {
  syncId: string;
  trigger: SyncTrigger;
  direction: 'push' | 'pull' | 'both';
  clientId: string;
}

/** A conflict the server resolved against this client (e.g. `server-wins`), as the client learns it. */
export interface SyncConflict {
  mutationId: number;
  mutationName: string;
  collection: string;
  key: string;
  /** What the server decided and why (strategy name, details). */
  strategy: string;
  /** The record as the server holds it now (undefined = deleted/absent). */
  serverValue: JsonObject | undefined;
  /** What this client tried to write (for patches: the fields it set). */
  clientValue: JsonObject | undefined;
}

/** What a plugin may answer to a conflict: keep the server's state, or write again on top of it. */
export type ConflictResolution =
  | { action: 'accept-server' }
  | { action: 'reapply'; fields: JsonObject };

/**
 * A sync plugin: hooks around the cycle, all optional. Either extend this class (the seed's
 * `class … extends SyncPlugin`) or pass a plain object with a `name` and the hooks you need — both are
 * accepted wherever a `SyncPlugin` is.
 *
 * @example
 * class AuditPlugin extends SyncPlugin {
 *   constructor() { super('audit'); }
 *   override async afterSync(result: SyncCycleResult) { log(result.syncId, result.outcome); }
 * }
 * const client = await createClient({ store, transport, plugins: [new AuditPlugin(), { name: 'inline', beforeSync() {} }] });
 */
export class SyncPlugin {
  /** Shown in errors and logs. Defaults to the subclass's name (give one explicitly if you minify). */
  name: string;

  constructor(name?: string) {
    this.name = name ?? new.target.name;
  }

  beforeSync?(ctx: SyncContext): void | Promise<void>;
  afterSync?(result: SyncCycleResult): void | Promise<void>;
  beforePush?(batch: readonly Mutation[]): void | Promise<void>;
  afterPull?(page: PullResponse): void | Promise<void>;
  /** Answer to decide a conflict the server resolved against this client; undefined leaves it to the next plugin. */
  resolveConflict?(conflict: SyncConflict): ConflictResolution | undefined | Promise<ConflictResolution | undefined>;
}

export class PluginError extends SynclineError {
  override name = 'PluginError' as const;
  readonly plugin: string;
  readonly hook: string;
  constructor(plugin: string, hook: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super('internal', `Plugin "${plugin}" failed in ${hook}: ${why}. The cycle stopped before committing this step; fix or remove the plugin.`, {
      cause,
      retryable: true,
      details: { plugin, hook },
    });
    this.plugin = plugin;
    this.hook = hook;
  }
}

type Hook = 'beforeSync' | 'afterSync' | 'beforePush' | 'afterPull';

export class PluginHost {
  readonly #plugins: readonly SyncPlugin[];

  constructor(plugins: readonly SyncPlugin[] = []) {
    this.#plugins = plugins;
  }

  async run<H extends Hook>(hook: H, arg: Parameters<NonNullable<SyncPlugin[H]>>[0]): Promise<void> {
    for (const plugin of this.#plugins) {
      const fn = plugin[hook] as ((a: typeof arg) => void | Promise<void>) | undefined;
      if (fn === undefined) continue;
      try {
        await fn.call(plugin, arg);
      } catch (error) {
        throw new PluginError(plugin.name, hook, error);
      }
    }
  }

  /** The first plugin that answers decides; undefined when none does. */
  async resolveConflict(conflict: SyncConflict): Promise<ConflictResolution | undefined> {
    for (const plugin of this.#plugins) {
      if (plugin.resolveConflict === undefined) continue;
      try {
        const answer = await plugin.resolveConflict(conflict);
        if (answer !== undefined) return answer;
      } catch (error) {
        throw new PluginError(plugin.name, 'resolveConflict', error);
      }
    }
    return undefined;
  }
}
