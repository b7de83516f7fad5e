/**
 * Re-announcing scope versions after the fan-out was interrupted. Notifications from other instances
 * sent while this instance was not listening are gone, so for every scope with an open event stream
 * here we read the scope's current version and emit it as a change.
 *
 * Why every subscribed scope, at its current version, rather than only those that moved since the
 * last poke we delivered: a poke at or below a client's cursor is ignored by the client (it only
 * starts a pull when the version is above its cursor), so an extra poke costs one small event per
 * stream per reconnect, while tracking "last delivered" per scope would be state that can only be
 * wrong. Reading after LISTEN is active again leaves no gap: a commit before it is in the read, one
 * after it is notified.
 */
import type { Logger } from '../core/seams.js';
import type { ScopeChange } from './fanout.js';

export interface PokeReplay {
  /** Start a replay (one at a time; a request during one runs once more after it). */
  replay(): void;
  /** Resolves when no replay is running (close() waits for it before releasing the database). */
  settled(): Promise<void>;
}

export function createPokeReplay(options: {
  /** Scopes with subscribers on this instance. */
  scopes(): string[];
  readVersion(scope: string): Promise<number>;
  emit(change: ScopeChange): void;
  logger: Logger;
}): PokeReplay {
  let running: Promise<void> | undefined;
  let again = false;

  const replayAll = async (): Promise<void> => {
    const scopes = options.scopes();
    for (const scope of scopes) {
      try {
        options.emit({ scope, version: await options.readVersion(scope) });
      } catch (error) {
        // Still only a hint: those clients catch up at their next interval pull.
        options.logger.warn('server: could not replay a scope version after the fan-out reconnected', { scope, error: String(error) });
      }
    }
    options.logger.info('server: replayed scope versions after the fan-out reconnected', { scopes: scopes.length });
  };

  const start = (): void => {
    running = replayAll().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        start();
      }
    });
  };

  return {
    replay() {
      if (running === undefined) start();
      else again = true;
    },
    async settled() {
      while (running !== undefined) await running;
    },
  };
}
