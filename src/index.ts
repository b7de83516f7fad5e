/**
 * `syncline`: the platform-neutral client core. Node-only pieces live behind subpaths
 * (`syncline/sqlite`, `syncline/server`); test helpers in `syncline/testing`.
 */
export { createClient, SynclineClient } from './core/client.js';
export type { ClientOptions, ClientStatus, VerifyOptions } from './core/client.js';
export { Collection } from './core/collection.js';
export type { QueuedMutation, PatchOptions, NumericField } from './core/collection.js';
export { defineCollection } from './core/typed-collection.js';
export type { CollectionDefinition, RecordSchema, RecordOf, RecordInputOf } from './core/typed-collection.js';
export type { Query, QueryPage, FieldCondition, FieldRange, Scalar } from './core/query-types.js';
export type { IndexDeclarations } from './core/query-index.js';
export type { QueryMetrics } from './core/query-host.js';
export type { LocalMutator, ViewReader } from './core/mutators.js';
export type {
  SyncEvent,
  SyncEventType,
  SyncEventOf,
  SyncCycleResult,
  SyncTrigger,
  RecordsChange,
} from './core/events.js';
export {
  SynclineError,
  InvalidArgumentError,
  StoredDataError,
  ClosedError,
  ProtocolError,
  TransportError,
  TimeoutError,
  AbortedError,
  ServerError,
  CircuitOpenError,
  ResponseTooLargeError,
  StaleReadError,
  RecordSchemaError,
  isSynclineError,
  retryAfterOf,
} from './core/errors.js';
export type { SynclineErrorCode, SynclineErrorOptions } from './core/errors.js';
export { defaultRetryPolicy, retryDelay } from './core/retry-policy.js';
export type { RetryPolicy } from './core/retry-policy.js';
export { systemTimers, silentLogger, alwaysOnline, browserNetworkStatus } from './core/seams.js';
export type { Timers, Logger, NetworkStatus } from './core/seams.js';
export { createMemoryStore } from './stores/memory-store.js';
export type { MemoryStoreOptions } from './stores/memory-store.js';
export { encodeSeq, decodeSeq } from './stores/store.js';
export type { Store, StoreReader, StoreWriter, ScanOptions, TableName } from './stores/store.js';
export { StoreFormatTooNewError } from './stores/migrations/format-error.js';
export { createHttpTransport } from './transport/http-transport.js';
export type { HttpTransportOptions, TokenProvider } from './transport/http-transport.js';
export type { Transport, TransportStats, RequestOptions } from './transport/transport.js';
export { PROTOCOL_VERSION } from './protocol/wire.js';
export type { Mutation, MutationOutcome, PushRequest, PushResponse, PullRequest, PullResponse, Change } from './protocol/wire.js';
export type { JsonValue, JsonObject, JsonPrimitive } from './protocol/json.js';
export type { RecordOp } from './protocol/record-ops.js';
export type { SyncDirection } from './core/sync-cycle.js';
export { defaultPlan, fixedPlanner } from './core/planner.js';
export type { SyncPlan, SyncPlanner } from './core/planner.js';
export { PluginError, SyncPlugin } from './core/plugins.js';
export type { SyncContext, SyncConflict, ConflictResolution } from './core/plugins.js';
export { SyncQueue, SyncHandle, createSyncQueue } from './core/sync-queue.js';
export type { SyncPriority, SyncProgress, SyncQueueOptions, SyncRequestState } from './core/sync-queue.js';
export type { SyncRequest } from './core/client.js';
export type { SyncPhaseName } from './core/events.js';
export type { CollectionDigest } from './protocol/digest.js';
export { NetworkMonitor, createNetworkMonitor } from './network/network-monitor.js';
export type { NetworkMonitorOptions, NetworkSnapshot, NetworkChangedEvent, SyncWeight } from './network/network-monitor.js';
export { NetworkManager } from './network/network-manager.js';
export type { NetworkManagerOptions } from './network/network-manager.js';
export { createAdaptivePlanner } from './network/adaptive-planner.js';
export type { AdaptivePlanner, AdaptivePlannerOptions } from './network/adaptive-planner.js';
export { computePlan } from './network/adaptive-plan.js';
export type { AdaptivePlan, AdaptivePlanOverrides, AdaptivePlanTuning } from './network/adaptive-plan.js';
export { createCircuitBreaker } from './network/circuit-breaker.js';
export type { CircuitBreakerOptions, CircuitBreakerTransport, CircuitState } from './network/circuit-breaker.js';
export { createMeasuringTransport } from './network/measuring-transport.js';
export type { SampleSink } from './network/measuring-transport.js';
export { reactNativeNetworkStatus } from './network/react-native.js';
export type { NetInfoLike, NetInfoStateLike } from './network/react-native.js';
export { classify as classifyLinkQuality, defaultQualityThresholds } from './network/quality.js';
export type { QualityClass, QualityThresholds, HysteresisOptions } from './network/quality.js';
export type { LinkEstimate, RequestSample, RequestOperation, FailureKind, LinkMetricsOptions } from './network/link-metrics.js';
export type { HttpCompressionOptions } from './transport/http-transport.js';
export { ProgressiveSyncEngine } from './facade/progressive-sync-engine.js';
export type { SyncOptions, SyncResult, DeltaCalculationResult } from './facade/progressive-sync-engine.js';
export { setDefaultClient, getDefaultClient, NoClientError } from './facade/default-client.js';
export type { SyncEventTypeMap } from './facade/event-map.js';
export { BackgroundSyncService } from './facade/background-sync-entry.js';
export type { BackgroundSyncOptions, BackgroundJob, BackgroundTrigger, JobSchedule, JobRun, JobHistoryQuery } from './facade/background-sync-service.js';
export type { ClientMetrics, WatchdogOptions } from './core/drain-monitor.js';
export { navigatorPersistence, unknownPersistence } from './core/storage-persistence.js';
export type { StoragePersistence, StorageMetrics, StorageManagerLike } from './core/storage-persistence.js';
export { watchStorage } from './core/storage-guard.js';
export type { StorageOptions, StorageWatch, StorageWatchFactory, StorageGuardHost } from './core/storage-guard.js';
export type { PreviousInstall } from './protocol/wire.js';
export type { DrainMetrics } from './core/drain-metrics.js';
export type { OutcomeCounts } from './core/run-history.js';
export type { JobTrigger } from './core/job-store.js';
export type { JobHistoryLimits } from './core/job-history.js';
export type { ConflictLogEntry } from './core/conflict-log.js';
export type { RejectedMutation } from './core/local-schema.js';
export { DEFAULT_REJECTION_LOG_LIMIT } from './core/rejection-log.js';
export { DEFAULT_CONFLICT_LOG_LIMIT } from './core/conflict-log.js';
export { HybridLogicalClock, compareHlc, formatHlc, parseHlc } from './protocol/hlc.js';
export type { HlcTimestamp } from './protocol/hlc.js';
export type { ConflictReport, ConflictRecord, ConflictsResponse } from './protocol/wire.js';
export { broadcastTabChannel } from './core/tab-channel.js';
export { memoryLeaderLocks, type LeaderLock } from './core/leader-lock.js';
export { webLocksLeaderLock } from './core/web-locks.js';
export type { LockManagerLike } from './core/web-locks.js';
export type { TabChannel, TabMessage } from './core/tab-channel.js';
export { createSsePokes } from './transport/realtime.js';
export type { RealtimeChannel, Poke, SsePokesOptions } from './transport/realtime.js';
export { createWebSocketPokes } from './transport/websocket-pokes.js';
export type { WebSocketPokesOptions, WebSocketLike, WebSocketConstructor } from './transport/websocket-pokes.js';
export { createRealtimePokes } from './transport/realtime-pokes.js';
export type { RealtimePokesOptions } from './transport/realtime-pokes.js';
export type { LadderChannel, PokeSourceName, RealtimeLadderOptions } from './transport/realtime-ladder.js';
export type { PeerInfo, PresenceLink, PresenceOptions, PresenceStatus } from './transport/realtime-presence.js';
