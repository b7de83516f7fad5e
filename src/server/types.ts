/** Public types of the reference sync server (`syncline/server`). */
import type { RecordSchema } from '../core/typed-collection.js';
import type { ConsoleOptions } from './console/console-routes.js';
import type { Kysely } from 'kysely';
import type { Logger } from '../core/seams.js';
import type { JsonObject, JsonValue } from '../protocol/json.js';
import type { ScopeChange, ScopeFanout } from './fanout.js';
import type { PurgeOptions, PurgeResult } from './tombstones.js';
import type { TombstoneRetention } from './tombstone-schedule.js';
import type { ServerDatabase } from './schema.js';
import type { CorsOptions } from './cors.js';
import type { CloseOptions } from './shutdown.js';
import type { ConflictStrategy } from './conflicts/strategy.js';
import type { ServerConflictEvent } from './conflicts/server-events.js';
import type { DeadLetter, DeadLetterQuery, DeadLetterReplay } from './dead-letters/types.js';
import type { ServerMetrics } from './metrics/types.js';
import type { ImportOptions, ImportRecord, ImportResult } from './import-types.js';
import type { RateLimitOptions } from './rate-limit.js';
import type { WebSocketEndpoint, WebSocketPokeOptions } from './websocket-pokes.js';
import type { EffectsAdmin, EffectsOptions, EnqueueOptions } from './effects/types.js';
import type { WebhooksAdmin } from './webhooks/types.js';
import type { WebhooksOptions } from './webhooks/options.js';
import type { IncomingWebhookOptions } from './incoming-webhooks/types.js';
import type { Peer } from './socket-presence.js';

export interface AuthResult {
  /** The one scope this request may read and write. */
  scope: string;
  /** Who is calling (user id, device id); used in logs only. */
  subject?: string;
  /** The caller's roles (e.g. from a JWT's claims); handed to named handlers as `ctx.caller.roles`. */
  roles?: string[];
  /** The verified token's claims, when the credentials carry any (JWT). */
  claims?: Readonly<Record<string, unknown>>;
}

/** Who made a mutation, as its request was authenticated; see `MutationContext.caller`. */
export interface MutationCaller {
  subject?: string;
  roles: readonly string[];
  claims?: Readonly<Record<string, unknown>>;
}

/** Maps a request to its scope; `null` answers 401. */
export type Authenticate = (request: Request) => AuthResult | null | Promise<AuthResult | null>;

export interface CollectionPolicy {
  /** Whether clients may write this collection with the generic put/patch/delete mutations. */
  writable: boolean;
  /**
   * How a generic write whose base no longer matches the record is resolved. Default `client-wins`
   * (the write applies, as before conflict detection existed; the conflict is still audited).
   * @example { writable: true, conflicts: { merge: { price: 'lww', stock: 'delta', name: 'server' } } }
   */
  conflicts?: ConflictStrategy;
  /**
   * A Standard Schema validator (zod, valibot, …) the record left by every generic put, patch or
   * increment must pass, or the write is rejected `invalid-value`. Pass the same schema as the
   * client's `defineCollection`; it must accept its own output (the client sends that).
   */
  schema?: RecordSchema;
}

/** A generic write a write rule is asked about: the record before and after it (undefined = absent). */
export interface WriteCheck {
  collection: string;
  key: string;
  op: 'put' | 'patch' | 'delete' | 'increment';
  /** The live record before the write, or undefined when there is none. */
  before: JsonObject | undefined;
  /** The record the write would leave (after conflict resolution), or undefined for a delete. */
  after: JsonObject | undefined;
}

/** What a read rule is asked: may `caller` see this live record? */
export interface ReadRuleInput {
  caller: MutationCaller;
  collection: string;
  key: string;
  value: JsonObject;
}

/** What a write rule is asked: may `caller` make this write? */
export interface WriteRuleInput extends WriteCheck {
  caller: MutationCaller;
}

/**
 * One collection's access rules. Both are synchronous pure functions of their input (the server
 * caches read verdicts per caller and collection state): no I/O, no clock.
 */
export interface CollectionRules {
  /** Whether the caller may see a live record; unreadable records are never sent to it. Default: all. */
  read?: (input: ReadRuleInput) => boolean;
  /** Whether the caller may make a generic write; a denial is the permanent rejection `forbidden`. Default: all. */
  write?: (input: WriteRuleInput) => boolean;
}

/**
 * Access rules per collection, the `rules` option of `createSyncServer`.
 * @example { prices: { write: ({ caller }) => caller.roles.includes('manager') }, costs: { read: ({ caller }) => caller.roles.includes('manager') } }
 */
export type AccessRules = Record<string, CollectionRules>;

/** The rules bound to the caller of one mutation (`ctx.rules`), for named handlers that enforce them too. */
export interface RuleChecks {
  canRead(collection: string, key: string, value: JsonObject): boolean;
  canWrite(check: WriteCheck): boolean;
}

export interface SyncServerOptions {
  /**
   * A kysely instance for the server schema (SQLite or PostgreSQL), a SQLite file path (':memory:'
   * allowed) to open with better-sqlite3, or a PostgreSQL URL to open with `pg` (optional peer dependency).
   * @example { postgres: 'postgres://syncline@db.internal:5432/syncline', maxConnections: 20 }
   */
  database: Kysely<ServerDatabase> | { sqlite: string } | { postgres: string; maxConnections?: number };
  /**
   * Purge tombstones older than `retainMs` every `purgeEveryMs` (a timer `close()` stops). Off by
   * default: how long devices may stay offline before a full re-sync is the operator's call, and
   * without it tombstones are kept forever (call `purgeTombstones` yourself, as before).
   * @example { retainMs: 30 * 24 * 60 * 60 * 1000, purgeEveryMs: 60 * 60 * 1000 }
   */
  tombstones?: TombstoneRetention;
  /** Heartbeat period of `GET /v1/events` streams (and WebSocket pings), ms. Default 15 000. */
  heartbeatMs?: number;
  /**
   * Pokes over WebSocket at `<basePath>/v1/socket` (served by `serveNode` when the optional peer `ws`
   * is installed): ping period, the bound on bytes queued for one socket, the auth timeout.
   */
  websocket?: WebSocketPokeOptions;
  /**
   * Carries scope changes between server instances sharing one database. Default: PostgreSQL
   * LISTEN/NOTIFY when `database` is `{ postgres }`, in-process only otherwise; pass
   * `createPostgresFanout({ url })` when you hand in your own PostgreSQL kysely instance.
   */
  fanout?: ScopeFanout;
  /** Maps a request to its scope; null → 401. See `tokenAuth` for a bearer-token helper. */
  auth: Authenticate;
  /** Named mutation handlers, e.g. `receiptHandlers` from `syncline/receipts`. */
  mutations?: Record<string, MutationHandler>;
  /** Collections that accept the generic put/patch/delete mutations (others are rejected 'forbidden'). */
  collections?: Record<string, CollectionPolicy>;
  /**
   * Per-collection read and write predicates over the caller's roles and claims (see `AccessRules`):
   * enforced on generic writes, available to named handlers as `ctx.rules`, applied to every pull.
   */
  rules?: AccessRules;
  limits?: {
    /** Largest request body accepted, in bytes (default 1 MiB); larger bodies get 413. */
    maxBodyBytes?: number;
    /** Cap on a pull page, never above the protocol's LIMITS.maxPullLimit. */
    maxPullLimit?: number;
    /**
     * A pull page ends once its records' JSON passes about this many bytes (counted in characters;
     * at least one record per page), whatever `limit` the client asked for. Default 4 MiB.
     */
    maxPullPageBytes?: number;
    /**
     * Request rates per bearer token and per `clientId` (token buckets; 429 `rate-limited` with
     * Retry-After beyond them). Off by default. Counted in this instance's memory: N instances behind a
     * load balancer allow up to N × the rate.
     * @example { perToken: { perSecond: 50, burst: 100 }, perClient: { perSecond: 10 } }
     */
    rate?: RateLimitOptions;
    /** Concurrent event streams (GET /v1/events) one bearer token may hold open (429 `too-many-streams` beyond). Default 64, per instance. */
    maxStreamsPerToken?: number;
    /** A request body must have arrived this long after the server starts reading it (else 408 `request-timeout`), ms. Default 30 000. */
    bodyTimeoutMs?: number;
  };
  /** Structured log sink; silent by default. */
  logger?: Logger;
  /**
   * Let web apps on other origins call the server from the browser (preflight answers, CORS headers on
   * every response to a listed origin). Off by default: browsers then refuse cross-origin calls.
   * @example { origins: ['https://till.example.com'] }
   */
  cors?: CorsOptions;
  /**
   * The live operator console at `<basePath>/console` (scopes, devices, conflicts, dead letters with
   * replay). Off by default. Open `/console?token=<token>` once; the server keeps a session cookie.
   */
  console?: ConsoleOptions;
  /** Path prefix of every endpoint, e.g. '/sync' → '/sync/v1/push'. Default ''. */
  basePath?: string;
  /**
   * `'durable'` (default): a push is acknowledged only once its commit is on disk — SQLite
   * `synchronous = FULL` (WAL), PostgreSQL `synchronous_commit = on` — so it survives a power loss.
   * `'relaxed'` trades that for speed: SQLite `synchronous = NORMAL`, PostgreSQL
   * `synchronous_commit = off` per connection; a crash of the process loses nothing, a power loss (or
   * an OS crash) may lose the last acknowledged pushes, and their clients then meet `mutation-gap`.
   * Applies when the server opens the database itself (`{ sqlite }` or `{ postgres }`).
   */
  durability?: Durability;
  /** How pushes are committed and when a failing mutation is given up; see `PushOptions`. */
  push?: PushOptions;
  /**
   * Prometheus metrics for this server, from `await createServerMetrics({ token })` (needs the optional
   * peer dependency prom-client); one per server. With a token the server answers `GET <basePath>/metrics`.
   */
  metrics?: ServerMetrics;
  /**
   * Server-side effects: handlers for what named mutations enqueue with `ctx.enqueue(name, payload)`,
   * delivered at least once, in order per key, by a worker this server runs (stopped by `close()`).
   * @example { handlers: { 'fiscal.register': { deliver: httpEffect({ url: FISCAL_URL }), writeBack: 'receipt.fiscalised' } } }
   */
  effects?: EffectsOptions;
  /**
   * Deliver outgoing webhooks (`ctx.publish` events to `server.webhooks` subscribers, signed per
   * Standard Webhooks) through the effect worker; its settings come from `effects` (retries, timeout).
   * Subscriptions with `collections` also get a `record.changed` event for every committed record
   * write. An object turns webhooks on with settings (subscription cache, HTTP admin API).
   */
  webhooks?: boolean | WebhooksOptions;
  /**
   * Signed callbacks from outside services (Standard Webhooks) turned into server-side writes:
   * `POST <basePath>/v1/webhooks/in/<source>` per source. See docs/PROTOCOL.md §5f.
   */
  incomingWebhooks?: IncomingWebhookOptions;
}

export type Durability = 'durable' | 'relaxed';

export interface PushOptions {
  /**
   * A push request is applied in slices, one transaction each (group commit): a slice ends after
   * this many mutations (default 1000; a slice is one commit, so one fsync on a durable server) ...
   */
  maxSliceMutations?: number;
  /** ... or once it has run this long, in ms (default 50), so one big request cannot hold the scope lock for long. */
  maxSliceMs?: number;
  /**
   * A mutation whose handler throws unexpectedly (anything but `MutationRejection`) on this many
   * attempts (default 5; each a push of the client, which retries with backoff) is given up: it is
   * consumed with outcome `rejected`, code `handler-failed`, and kept as a dead letter
   * (`server.deadLetters()`, `server.replayDeadLetter(id)`).
   */
  maxHandlerAttempts?: number;
}

export interface SyncServer {
  /** Handle one HTTP request (Web Request/Response); never rejects. */
  fetch(request: Request): Promise<Response>;
  /**
   * Open the database, migrate the schema and start the fan-out; called lazily by the first `fetch`.
   * Rejects with a retryable `SynclineError` (code `unavailable`) while the database cannot be
   * reached — the next call tries again — and with a non-retryable one for a failure that needs the
   * configuration fixed (bad credentials, unusable path, failed migration).
   */
  ready(): Promise<void>;
  /**
   * Listen for committed changes of any scope, made through this instance or (with a fanout) another
   * one on the same database. A hint to pull, not data: bursts coalesce, so versions may be skipped.
   * Returns the unsubscribe function.
   */
  onScopeChanged(listener: (change: ScopeChange) => void): () => void;
  /** The WebSocket poke endpoint, for a runtime adapter to hand upgraded sockets to (serveNode does). */
  readonly websocket: WebSocketEndpoint;
  /**
   * Delete tombstones older than the newest `keepVersions` versions, or written more than `retainMs`
   * ago, in each scope (or one scope). Clients whose cursor is older then get 409 `reset-required`
   * and re-sync from cursor 0.
   */
  purgeTombstones(options: PurgeOptions): Promise<PurgeResult[]>;
  /**
   * Listen for conflicts this instance resolved (`conflict.detected`, then `conflict.resolved`),
   * after their push committed. The durable record is the audit trail (GET /v1/conflicts).
   */
  onConflict(listener: (event: ServerConflictEvent) => void): () => void;
  /** Mutations given up after `push.maxHandlerAttempts` failed attempts, oldest first. */
  deadLetters(options?: DeadLetterQuery): Promise<DeadLetter[]>;
  /**
   * Run a dead letter's mutation through its handler again, as a new server-side write (see
   * `MutationContext.replayOf`), with the scope lock, in its own transaction; on success it is marked
   * replayed and clients are poked. A failure is recorded on the dead letter and returned, not thrown.
   */
  replayDeadLetter(id: string): Promise<DeadLetterReplay>;
  /**
   * Run the named mutation handler as a server-side write in `scope` (one transaction under the scope
   * lock, like a pushed mutation): the handler sees `ctx.clientId === 'syncline:server'`, clients
   * are poked after the commit and pull the change. A `MutationRejection` comes back as `rejected`
   * (nothing written); any other throw from the handler rolls back and is rethrown.
   * @example await server.mutate('shop-1', 'receiptAccepted', { receiptId: 'r-17', fiscalNumber: 'F-2041' })
   */
  mutate(scope: string, name: string, args: JsonValue): Promise<ServerMutationResult>;
  /**
   * The scope's devices connected to this instance over WebSocket that reported a `status`: clientId,
   * connectedAt, cursor, outbox size and oldest pending age. With several instances on one PostgreSQL
   * database, those connected to the other instances too (shared through the fan-out; a crashed
   * instance's peers expire after `websocket.presenceTtlMs`).
   */
  peers(scope: string): Peer[];
  /** The effect outbox: pending and delivered effects, dead letters, replay. */
  readonly effects: EffectsAdmin;
  /** Outgoing webhook subscriptions; their deliveries are `server.effects.list({ name: 'syncline.webhook' })`. */
  readonly webhooks: WebhooksAdmin;
  /**
   * Bulk-load existing records into `scope` in large transactions (`batchSize`, default 5000), each
   * record with its own next scope version, keeping digests correct and poking clients after every
   * commit. Each item is checked like a pushed value; a bad one stops the import (everything before
   * it is kept) unless `skipInvalid`. With an `importId`, a rerun after a crash or an abort skips what
   * was committed: the checkpoint commits in the same transaction as the records.
   * @example await server.importRecords('shop-1', rows.map((r) => ({ key: r.sku, value: r })), { collection: 'products', importId: 'products-2026-12' })
   */
  importRecords(scope: string, records: Iterable<ImportRecord> | AsyncIterable<ImportRecord>, options?: ImportOptions): Promise<ImportResult>;
  /**
   * Stop serving: new requests get 503 `unavailable` (Retry-After), event streams end with a
   * reconnect hint, running requests finish (up to `drainMs`); then stop the purge schedule and the
   * fanout and release the database if the server opened it. Idempotent.
   */
  close(options?: CloseOptions): Promise<void>;
}

/**
 * What a named mutation handler may do. Every call runs inside the mutation's own database
 * transaction: if the handler throws, nothing it wrote survives.
 */
/** What `server.mutate` did: `applied` at `version` (with the handler's result), or `rejected`. */
export type ServerMutationResult =
  | { status: 'applied'; version: number; result?: JsonValue }
  | { status: 'rejected'; code: string; message: string };

export interface MutationContext {
  scope: string;
  /**
   * The client that made the mutation. For a dead letter replayed by the server it is
   * `'syncline:replay'` (never a real client id: those are [A-Za-z0-9_-]) and `replayOf` names the
   * original client and mutation.
   */
  clientId: string;
  /** The client's mutation id; in a replay, the scope's replay number (1, 2, 3, …), so `(clientId, mutationId)` stays unique. */
  mutationId: number;
  /** Set only when the server replays a dead letter: the mutation it re-runs. */
  replayOf?: { clientId: string; mutationId: number; deadLetterId: string };
  /** Client wall-clock time the mutation was made (informational). */
  createdAt: number;
  /**
   * Who pushed the mutation (subject, roles, token claims), for handlers that decide by role. Absent
   * in a dead-letter replay (the server acts) and when the request carried no such identity.
   */
  caller?: MutationCaller;
  /**
   * The server's access rules bound to this caller, for handlers that enforce them on their own
   * writes (`if (!ctx.rules.canWrite({ ... })) throw new MutationRejection('forbidden', ...)`).
   * In a dead-letter replay the server acts and every check passes.
   */
  rules: RuleChecks;
  /** The live (non-deleted) record, or undefined. */
  get(collection: string, key: string): Promise<JsonObject | undefined>;
  /** Write a record; bumps the scope version. */
  put(collection: string, key: string, value: JsonObject): Promise<void>;
  /** Delete a record (leaves a tombstone for pull); a no-op when it does not exist. */
  delete(collection: string, key: string): Promise<void>;
  /** Live records of a collection in key order. */
  list(collection: string, options?: { limit?: number }): Promise<Array<{ key: string; value: JsonObject }>>;
  /** Next value (1, 2, 3, …) of a per-scope counter; gap-free because it rolls back with the mutation. */
  nextCounter(name: string): Promise<number>;
  /**
   * Enqueue a server-side effect in this mutation's transaction: it is delivered (by the handler
   * registered under `effects.handlers[name]`) if and only if the mutation commits. Returns the
   * effect id, which is also the receiver's idempotency key. Effects with the same `key` (default:
   * the scope) are delivered in the order they were enqueued.
   */
  enqueue(name: string, payload: JsonValue, options?: EnqueueOptions): Promise<string>;
  /**
   * Publish an event to every webhook subscriber of `type`, in this mutation's transaction (sent only
   * if it commits; needs `webhooks: true`). Deliveries with the same `key` (default: the scope) keep
   * their order per subscriber. Returns how many subscribers it was queued for.
   */
  publish(type: string, data: JsonValue, options?: { key?: string }): Promise<number>;
  /**
   * The mutation's own kysely transaction, for the application's own tables: what you write through
   * it commits or rolls back with the mutation. Type it with your schema (`ctx.transaction<AppDb>()`).
   * Do not commit, roll back or start transactions on it, and do not keep it past the handler. On
   * SQLite it is the push's single connection: await every query before the handler returns.
   */
  transaction<DB>(): Kysely<DB>;
}

/**
 * A named server-side mutation. Return a JSON result for the client (e.g. an assigned number), throw
 * `MutationRejection` to refuse it for good; any other throw is an internal error (500, retried).
 */
export type MutationHandler = (
  ctx: MutationContext,
  args: JsonValue,
) => Promise<JsonValue | undefined> | JsonValue | undefined;
