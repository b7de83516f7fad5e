/**
 * The server's tables, as kysely types. Portable across SQLite and PostgreSQL: versions and ids are
 * integers that fit a bigint (PostgreSQL drivers may hand them back as strings — read them through
 * `toInt`), JSON is stored as text.
 */
import type { Generated, Selectable } from 'kysely';
import type { ConflictsTable, RecordClocksTable } from './conflicts/schema.js';
import type { DeadLettersTable } from './dead-letters/schema.js';
import type { InstallIdsTable } from './install-ids.js';
import type { EffectDeadLettersTable, EffectsTable } from './effects/schema.js';
import type { WebhookSubscriptionsTable } from './webhooks/schema.js';
import type { IncomingWebhooksTable } from './incoming-webhooks/migration.js';

export interface ScopesTable {
  scope: string;
  /** Last version handed out in this scope; every record write takes the next one. */
  version: number;
  /** Tombstones at or below this version were purged: a pull from an older cursor must reset. */
  purged_through: Generated<number>;
}

export interface RecordsTable {
  scope: string;
  collection: string;
  key: string;
  /** JSON text of the value; null for a tombstone. */
  value: string | null;
  version: number;
  /** 1 for a tombstone, 0 otherwise (integers: SQLite has no boolean). */
  deleted: number;
  /** When a tombstone was written (epoch ms; null for a live record): time-based purge keys on it. */
  deleted_at: Generated<number | null>;
  /** The live row's digest contribution (16 hex, see src/server/digest-storage.ts); null: hash the value. */
  digest_hash: Generated<string | null>;
  /**
   * Origin of the current value (migration 0007_record_origin), all null unless a client's generic
   * put/patch produced it verbatim so that client can rebuild it (see src/server/record-origin.ts):
   * the client, the mutation, the first mutation of its chain of verbatim writes, and the record
   * version that chain was applied onto (null: onto nothing).
   */
  origin_client: Generated<string | null>;
  origin_mutation: Generated<number | null>;
  origin_first: Generated<number | null>;
  origin_base: Generated<number | null>;
}

export interface ClientsTable {
  client_id: string;
  /** A client belongs to the first scope it pushed in, for good. */
  scope: string;
  last_mutation_id: number;
  /** The next mutation of this client, when its handler has failed unexpectedly (0006_dead_letters). */
  failing_mutation_id: Generated<number | null>;
  /** Failed attempts of `failing_mutation_id` so far. */
  failing_attempts: Generated<number>;
  /** When it first failed (epoch ms). */
  failing_since: Generated<number | null>;
}

export interface MutationOutcomesTable {
  client_id: string;
  mutation_id: number;
  /** Scope version after the mutation: pulls at or past it hold its effects. */
  version: number;
  /** JSON text of the wire outcome (without `duplicate`). */
  outcome: string;
}

export interface CountersTable {
  scope: string;
  name: string;
  value: number;
}

/** Convergence digest per scope and collection (see src/protocol/digest.ts), kept in each write transaction. */
export interface DigestsTable {
  scope: string;
  collection: string;
  count: number;
  lane_a: number;
  lane_b: number;
}

export interface ServerDatabase {
  record_clocks: RecordClocksTable;
  conflicts: ConflictsTable;
  digests: DigestsTable;
  scopes: ScopesTable;
  records: RecordsTable;
  clients: ClientsTable;
  mutation_outcomes: MutationOutcomesTable;
  counters: CountersTable;
  dead_letters: DeadLettersTable;
  install_ids: InstallIdsTable;
  effects: EffectsTable;
  effect_dead_letters: EffectDeadLettersTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  incoming_webhooks: IncomingWebhooksTable;
}

export type RecordRow = Selectable<RecordsTable>;

/** Integers come back as numbers from SQLite and as strings (bigint) from PostgreSQL. */
export function toInt(value: number | string | bigint | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}
