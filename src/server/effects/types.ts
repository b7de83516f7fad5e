/** Public shapes of server-side effects: the outbox a named handler enqueues into, and its worker. */
import type { JsonValue } from '../../protocol/json.js';
import type { PruningOptions } from './prune.js';

/** One effect as its handler receives it. */
export interface Effect {
  /** Unique, stable across retries and replays: derive the receiver's idempotency key from it. */
  id: string;
  name: string;
  /** Effects with the same key are delivered one at a time, in the order they were enqueued. */
  key: string;
  scope: string;
  payload: JsonValue;
  createdAt: number;
  /** 1 on the first delivery attempt. */
  attempt: number;
}

export interface EffectDeliveryContext {
  /** Aborted when the attempt times out or the server closes: pass it to `fetch`. */
  signal: AbortSignal;
  /** `effect.id`; send it as the `Idempotency-Key` header so the receiver can deduplicate redeliveries. */
  idempotencyKey: string;
}

/**
 * Delivers one effect. Resolve (optionally with a JSON result) when the receiver has it; throw to
 * retry later, or throw `PermanentEffectError` to dead-letter it at once. May run more than once for
 * the same effect (at-least-once): the receiver deduplicates by `idempotencyKey`.
 */
export type EffectDeliver = (effect: Effect, ctx: EffectDeliveryContext) => Promise<JsonValue | undefined | void>;

export interface EffectDefinition {
  deliver: EffectDeliver;
  /**
   * A named mutation (from `mutations`) run server-side, in the effect's scope, after a successful
   * delivery, with args `{ effectId, name, key, payload, result }` — e.g. to set `fiscalStatus:
   * 'registered'` on the receipt. Clients pull its writes and are poked like any change. It runs
   * before the effect is marked delivered, so after a crash in between it may run again: make it
   * idempotent (set fields, do not append).
   */
  writeBack?: string;
}

export interface EffectsOptions {
  /** Effect handlers by name; `ctx.enqueue(name, …)` names one of them. */
  handlers: Record<string, EffectDeliver | EffectDefinition>;
  /** Attempts before an effect is dead-lettered (default 8). */
  maxAttempts?: number;
  /** Backoff after the first failure, doubled per attempt up to `maxBackoffMs`, with full jitter (default 1000). */
  backoffMs?: number;
  /** Default 5 minutes. */
  maxBackoffMs?: number;
  /** An attempt is aborted (and counts as failed) after this long (default 30 000 ms). */
  timeoutMs?: number;
  /**
   * How long a claim lasts (default 60 000 ms, above `timeoutMs`): an effect claimed by a worker that
   * died is delivered again once its claim expires.
   */
  leaseMs?: number;
  /** Effects delivered at once (distinct keys; default 16). */
  concurrency?: number;
  /** Polling fallback when no commit wakes the worker, ms (default 1000). */
  pollMs?: number;
  /** How long delivered effects are kept and how often they are pruned (src/server/effects/prune.ts). */
  pruning?: PruningOptions;
}

export interface EffectInfo {
  id: string;
  name: string;
  key: string;
  scope: string;
  payload: JsonValue;
  createdAt: number;
  status: 'pending' | 'delivered';
  attempts: number;
  nextAttemptAt: number;
  lastError?: string;
  deliveredAt?: number;
  result?: JsonValue;
}

export interface EffectDeadLetter {
  id: string;
  name: string;
  key: string;
  scope: string;
  payload: JsonValue;
  createdAt: number;
  /** The last attempt's error. */
  error: string;
  attempts: number;
  deadLetteredAt: number;
  status: 'dead' | 'replayed';
  replayedAt?: number;
}

export interface EffectQuery {
  status?: 'pending' | 'delivered' | 'all';
  name?: string;
  /** Names starting with this (e.g. 'syncline.webhook'). */
  namePrefix?: string;
  /** At most this many, oldest first (default 100). */
  limit?: number;
}

/** `server.effects`: inspect the outbox and its dead letters, and put a dead letter back. */
export interface EffectsAdmin {
  list(query?: EffectQuery): Promise<EffectInfo[]>;
  deadLetters(query?: { status?: 'dead' | 'replayed' | 'all'; limit?: number }): Promise<EffectDeadLetter[]>;
  /** Put a dead-lettered effect back in the outbox (same id, so the receiver still deduplicates), attempts reset. */
  replay(id: string): Promise<void>;
}

/** What `ctx.enqueue` accepts besides name and payload. */
export interface EnqueueOptions {
  /** Ordering key (default: the mutation's scope). Keep keys inside one scope: see docs/ARCHITECTURE.md. */
  key?: string;
}
