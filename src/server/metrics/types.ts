/**
 * The contract between the sync server and a metrics backend. `createServerMetrics()` (prometheus.ts)
 * is the one shipped; the server only talks to these interfaces, so it never loads prom-client itself.
 */

/** Labels of `syncline_mutations_total`: a small fixed set, never a client-chosen code. */
export type MutationOutcomeLabel = 'applied' | 'rejected' | 'duplicate';

/** Where a database error surfaced: opening/migrating, a request, or a readiness probe. */
export type DatabaseOperation = 'init' | 'request' | 'probe';

/** Route labels: the server's endpoints by name, everything else `other` (bounded cardinality). */
export type RouteLabel = 'push' | 'pull' | 'events' | 'conflicts' | 'health' | 'ready' | 'metrics' | 'other';

/** What the attached server exposes for gauges read at scrape time. */
export interface MetricsSource {
  /** Open `GET /v1/events` streams right now. */
  openStreams(): number;
  /** Open WebSocket connections (`/v1/socket`) right now, authenticated or not yet. */
  openSockets(): number;
}

/** Records what one server does; labels are already reduced to the bounded sets above. */
export interface MetricsRecorder {
  /** One finished request; `seconds` only for routes whose latency is measured (push, pull). */
  request(route: RouteLabel, status: number, seconds?: number): void;
  mutations(outcome: MutationOutcomeLabel, count: number): void;
  conflict(strategy: string, resolution: string): void;
  deadLettered(): void;
  deadLetterReplayed(result: 'replayed' | 'rejected' | 'failed'): void;
  /** One effect delivery attempt's outcome (src/server/effects). */
  effect?(outcome: 'delivered' | 'failed' | 'dead-lettered'): void;
  scopeVersion(scope: string, version: number): void;
  databaseError(operation: DatabaseOperation): void;
}

/** A metrics backend for exactly one server (see `createServerMetrics`). */
export interface ServerMetrics {
  /**
   * Bearer token `GET <basePath>/metrics` requires. Without one the server does not serve the route:
   * call `scrape()` from a listener of your own (e.g. on a separate, internal port).
   */
  readonly token: string | undefined;
  /** Called once by `createSyncServer`; a second server is refused (one registry per server). */
  attach(source: MetricsSource): MetricsRecorder;
  /** The exposition in Prometheus text format. */
  scrape(): Promise<{ contentType: string; body: string }>;
}
