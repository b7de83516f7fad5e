/** The effect outbox tables (migration 0010_effects). */
import type { Generated } from 'kysely';

export interface EffectsTable {
  seq: Generated<number>;
  id: string;
  name: string;
  key: string;
  scope: string;
  /** JSON text. */
  payload: string;
  created_at: number;
  /** 'pending' | 'delivered' */
  status: string;
  attempts: Generated<number>;
  next_attempt_at: number;
  lease_until: Generated<number | null>;
  last_error: Generated<string | null>;
  delivered_at: Generated<number | null>;
  /** JSON text of the handler's result, if it returned one. */
  result: Generated<string | null>;
}

export interface EffectDeadLettersTable {
  id: string;
  name: string;
  key: string;
  scope: string;
  payload: string;
  created_at: number;
  error: string;
  attempts: number;
  dead_lettered_at: number;
  /** 'dead' | 'replayed' */
  status: string;
  replayed_at: Generated<number | null>;
}
