/**
 * Everything the console reads and does, wired from the server's parts in one place so the server
 * itself only hands them over: the write-rate and sync-lag samplers, device presence (sampled every
 * `SAMPLE_MS` while the server runs, and on every read), the state, and the two replays.
 */
import type { Kysely } from 'kysely';
import type { DeadLetterReplay } from '../dead-letters/types.js';
import type { EffectsAdmin } from '../effects/types.js';
import type { ServerDatabase } from '../schema.js';
import { readDeliveries } from './console-deliveries.js';
import type { ConsoleSource } from './console-routes.js';
import { readConsoleState } from './console-state.js';
import { PresenceMemory, type PresenceReport } from './device-presence.js';
import { SyncLagSampler } from './sync-lag.js';
import { WriteRateSampler } from './write-rate.js';

const SAMPLE_MS = 15_000;

export interface ConsoleSourceDeps {
  ready(): Promise<void>;
  db(): Kysely<ServerDatabase>;
  /** Commits this instance sees (its own and, through the fan-out, other instances'). */
  onScopeChanged(listener: (change: { scope: string; version: number }) => void): () => void;
  onConflict(listener: () => void): () => void;
  replayDeadLetter(id: string): Promise<DeadLetterReplay>;
  effects: EffectsAdmin;
  /** `server.peers(scope)`; entries are read defensively (device-presence.ts). */
  peers(scope: string): readonly unknown[];
  /** Scopes with connected sockets now, so lag is sampled even while nobody watches the console. */
  peerScopes(): string[];
  now(): number;
  signal: AbortSignal;
}

export function createConsoleSource(deps: ConsoleSourceDeps): ConsoleSource {
  const rates = new WriteRateSampler();
  const lag = new SyncLagSampler();
  const memory = new PresenceMemory();
  deps.onScopeChanged((change) => rates.record(change.scope, change.version, deps.now()));

  const sample = (scope: string): Map<string, PresenceReport> => {
    const now = deps.now();
    const online = memory.online(scope, deps.peers(scope), now);
    lag.record(scope, [...online.values()].map((r) => r.oldestPendingMs ?? 0), now);
    return online;
  };
  const timer = setInterval(() => {
    for (const scope of deps.peerScopes()) sample(scope);
  }, SAMPLE_MS);
  timer.unref?.();
  deps.signal.addEventListener('abort', () => clearInterval(timer), { once: true });

  return {
    async state() {
      await deps.ready();
      const now = deps.now();
      return readConsoleState(deps.db(), {
        rates: (scope) => rates.series(scope, now),
        lag: (scope) => lag.series(scope, now),
        presence: (scope) => ({ online: sample(scope), remembered: memory.remembered(scope) }),
        deliveries: () => readDeliveries(deps.effects),
      }, now);
    },
    replay: (id) => deps.replayDeadLetter(id),
    async replayEffect(id) {
      await deps.effects.replay(id);
      return { status: 'queued' };
    },
    onChange(listener) {
      const offScopes = deps.onScopeChanged(listener);
      const offConflicts = deps.onConflict(listener);
      return () => {
        offScopes();
        offConflicts();
      };
    },
  };
}
