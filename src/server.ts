/**
 * `syncline/server`: the reference sync server (Web Request/Response, SQLite or PostgreSQL through
 * kysely) and its Node adapter.
 */
export { createSyncServer } from './server/sync-server.js';
export { serveNode } from './server/node-adapter.js';
export type { ServeNodeOptions, NodeServerHandle, NodeTimeouts } from './server/node-adapter.js';
export { tokenAuth } from './server/auth.js';
export { jwtAuth } from './server/jwt-auth.js';
export type { JwtAuthOptions } from './server/jwt-auth.js';
export { defaultJwtClaims, SCOPE_HEADER } from './server/jwt-claims.js';
export type { JwtClaims, JwtGrant } from './server/jwt-claims.js';
export type { RateLimit, RateLimitOptions } from './server/rate-limit.js';
export { MutationRejection, isMutationRejection } from './server/mutation-rejection.js';
export { migrateToLatest } from './server/migrations.js';
export { openSqliteDatabase } from './server/sqlite-dialect.js';
export { openPostgresDatabase } from './server/postgres-dialect.js';
export type { PostgresOptions } from './server/postgres-dialect.js';
export { createPostgresFanout } from './server/fanout-postgres.js';
export type { PostgresFanoutOptions } from './server/fanout-postgres.js';
export type { CorsOptions } from './server/cors.js';
export type { ConsoleOptions } from './server/console/console-routes.js';
export type { ConsoleState, ConsoleScope, ConsoleDevice } from './server/console/console-state.js';
export type { SyncLagSeries } from './server/console/sync-lag.js';
export type { DeliveriesView, DeliveryList } from './server/console/console-deliveries.js';
export type { WriteRateSeries } from './server/console/write-rate.js';
export type { CloseOptions } from './server/shutdown.js';
export type { PresenceFanout, PresenceMessage, ScopeChange, ScopeChangeListener, ScopeFanout } from './server/fanout.js';
export { parseDatabaseLocation } from './server/database-url.js';
export type { DatabaseLocation } from './server/database-url.js';
export type {
  SyncServer,
  SyncServerOptions,
  AuthResult,
  Authenticate,
  CollectionPolicy,
  MutationContext,
  MutationCaller,
  MutationHandler,
  Durability,
  PushOptions,
  AccessRules,
  CollectionRules,
  ReadRuleInput,
  WriteRuleInput,
  WriteCheck,
  RuleChecks,
} from './server/types.js';
export type { DeadLetter, DeadLetterQuery, DeadLetterReplay } from './server/dead-letters/types.js';
export { REPLAY_CLIENT_ID } from './server/dead-letters/replay.js';
export type { WebhookSubscription, WebhooksAdmin, WebhookPayload, WebhookSubscriptionInput, RecordChangedData, RecordChangeOp, WebhooksOptions } from './server/webhooks/index.js';
export { httpEffect, PermanentEffectError, isPermanentEffectError } from './server/effects/index.js';
export type { Effect, EffectDefinition, EffectDeliver, EffectDeliveryContext, EffectsOptions, EffectsAdmin, EffectInfo, EffectDeadLetter, EffectQuery, EnqueueOptions, HttpEffectOptions, PruningOptions } from './server/effects/index.js';
export { SERVER_CLIENT_ID } from './server/server-mutation.js';
export type { Peer } from './server/socket-presence.js';
export { WEBHOOK_CLIENT_ID } from './server/incoming-webhooks/route.js';
export type { IncomingWebhookOptions, IncomingWebhookSource, IncomingWebhookWrite } from './server/incoming-webhooks/types.js';
export type { ServerMutationResult } from './server/types.js';
export type { ServerDatabase } from './server/schema.js';
export type {
  ConflictStrategy,
  ConflictResolver,
  ConflictDecision,
  FieldRule,
  FieldConflict,
  WriteConflict,
} from './server/conflicts/strategy.js';
export { DEFAULT_CONFLICT_STRATEGY } from './server/conflicts/strategy.js';
export type { ServerConflictEvent } from './server/conflicts/server-events.js';
export type { PurgeOptions, PurgeResult } from './server/tombstones.js';
export { createServerMetrics } from './server/metrics/prometheus.js';
export type { ServerMetricsOptions, PrometheusServerMetrics } from './server/metrics/prometheus.js';
export type { ServerMetrics, MetricsRecorder, MetricsSource, DatabaseOperation, MutationOutcomeLabel, RouteLabel } from './server/metrics/types.js';
export type { ServerObserver } from './server/metrics/observer.js';
export type { TombstoneRetention } from './server/tombstone-schedule.js';
export { ImportInputError, ImportConflictError } from './server/import-types.js';
export type { ImportRecord, ImportOptions, ImportProgress, ImportResult, InvalidImportRecord } from './server/import-types.js';
export type { ServerSocket, WebSocketEndpoint, WebSocketPokeOptions, WebSocketStats } from './server/websocket-pokes.js';
export { defineConfig } from './server/config.js';
export type { SynclineConfig, SynclineAuthConfig, SynclineLimitsConfig } from './server/config.js';
