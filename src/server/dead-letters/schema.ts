/** The dead-letter table (migration 0006_dead_letters). */
import type { Generated } from 'kysely';

export interface DeadLettersTable {
  client_id: string;
  mutation_id: number;
  scope: string;
  name: string;
  /** JSON text of the mutation's args. */
  args: string;
  created_at: number;
  error: string;
  attempts: number;
  first_failed_at: number;
  dead_lettered_at: number;
  /** 'dead' | 'replayed' */
  status: string;
  replayed_at: Generated<number | null>;
  replay_version: Generated<number | null>;
  replay_error: Generated<string | null>;
  replay_error_at: Generated<number | null>;
}
