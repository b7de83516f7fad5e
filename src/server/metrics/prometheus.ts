/**
 * `createServerMetrics`: Prometheus metrics for one sync server, on a registry of its own — never
 * prom-client's process-wide default — so two servers in one process neither share nor collide.
 * prom-client is an optional peer dependency, loaded here on first use only.
 *
 * Cardinality is bounded by construction: routes, statuses, outcomes, strategies and resolutions are
 * small fixed sets; the one open-ended label, `scope` on `syncline_scope_version`, keeps at most
 * `maxScopes` series (the most recently changed scopes).
 */
import type * as PromClientModule from 'prom-client';
import type { Registry } from 'prom-client';
import { InvalidArgumentError, SynclineError } from '../../core/errors.js';
import { ScopeVersions } from './scope-versions.js';
import type { MetricsRecorder, MetricsSource, ServerMetrics } from './types.js';

type PromClient = typeof PromClientModule;

export interface ServerMetricsOptions {
  /**
   * Bearer token that `GET <basePath>/metrics` requires (401 without it). Omit it to serve the
   * exposition yourself from `scrape()`, e.g. on an internal port; the server then has no /metrics.
   */
  token?: string;
  /** Most scopes exported in `syncline_scope_version` (the most recently changed). Default 100; 0 turns it off. */
  maxScopes?: number;
}

export interface PrometheusServerMetrics extends ServerMetrics {
  /** This server's registry: register your own metrics here to serve them on the same endpoint. */
  readonly registry: Registry;
}

/** Latency buckets in seconds: a loopback push takes ~1 ms, a big slice of a big batch seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DEFAULT_MAX_SCOPES = 100;

/**
 * Prometheus metrics for one server; pass the result as `createSyncServer({ metrics })`.
 * @example const server = createSyncServer({ database, auth, metrics: await createServerMetrics({ token: process.env.METRICS_TOKEN }) });
 */
export async function createServerMetrics(options: ServerMetricsOptions = {}): Promise<PrometheusServerMetrics> {
  const token = validToken(options.token);
  const maxScopes = options.maxScopes ?? DEFAULT_MAX_SCOPES;
  if (!Number.isSafeInteger(maxScopes) || maxScopes < 0) throw new InvalidArgumentError(`maxScopes must be a whole number ≥ 0, got ${String(maxScopes)}.`);
  const prom = await loadPromClient();
  const registry = new prom.Registry();
  let source: MetricsSource | undefined;
  const recorder = defineMetrics(prom, registry, new ScopeVersions(maxScopes), () => source?.openStreams() ?? 0, () => source?.openSockets() ?? 0);
  return {
    token,
    registry,
    attach(server) {
      if (source !== undefined) throw new InvalidArgumentError('These metrics already belong to another sync server; call createServerMetrics() once per server.');
      source = server;
      return recorder;
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

async function loadPromClient(): Promise<PromClient> {
  try {
    return await import('prom-client');
  } catch (error) {
    throw new SynclineError('invalid-argument', 'Server metrics need the optional peer dependency prom-client: run `npm install prom-client@^15.1.3`.', { cause: error });
  }
}

function validToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  // The characters of an RFC 6750 bearer token, so it fits an Authorization header unquoted.
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) {
    throw new InvalidArgumentError('The metrics token must be non-empty and use only letters, digits and -._~+/ (a bearer token); generate one with e.g. `openssl rand -hex 32`.');
  }
  return token;
}

function defineMetrics(prom: PromClient, registry: Registry, scopes: ScopeVersions, openStreams: () => number, openSockets: () => number): MetricsRecorder {
  const registers = [registry];
  const requests = new prom.Counter({ name: 'syncline_http_requests_total', help: 'HTTP requests answered, by route and status code.', labelNames: ['route', 'status'] as const, registers });
  // One unlabelled histogram per route rather than a `route` label: no label lookup per observation,
  // and text-format parsers that mishandle labelled histograms still read them.
  const latency = {
    push: new prom.Histogram({ name: 'syncline_push_duration_seconds', help: 'Time to answer POST /v1/push (any status), in seconds.', buckets: LATENCY_BUCKETS, registers }),
    pull: new prom.Histogram({ name: 'syncline_pull_duration_seconds', help: 'Time to answer POST /v1/pull (any status), in seconds.', buckets: LATENCY_BUCKETS, registers }),
  };
  const mutations = new prom.Counter({ name: 'syncline_mutations_total', help: 'Mutations answered in push responses: applied, rejected, or duplicate (a resend of one already settled).', labelNames: ['outcome'] as const, registers });
  const conflicts = new prom.Counter({ name: 'syncline_conflicts_total', help: 'Conflicting generic writes, by collection strategy and resolution.', labelNames: ['strategy', 'resolution'] as const, registers });
  const deadLetters = new prom.Counter({ name: 'syncline_dead_letters_total', help: 'Mutations given up after repeated handler failures and kept as dead letters.', registers });
  const replays = new prom.Counter({ name: 'syncline_dead_letter_replays_total', help: 'Dead-letter replays, by result: replayed, rejected (the handler refused it), failed.', labelNames: ['result'] as const, registers });
  const effects = new prom.Counter({ name: 'syncline_effect_deliveries_total', help: 'Server-side effect delivery attempts, by outcome: delivered, failed (retried later), dead-lettered.', labelNames: ['outcome'] as const, registers });
  const databaseErrors = new prom.Counter({ name: 'syncline_database_errors_total', help: 'Database failures: init (open/migrate attempts), request (a request failed in the database), probe (readiness).', labelNames: ['operation'] as const, registers });
  new prom.Gauge({
    name: 'syncline_sse_connections',
    help: 'Open GET /v1/events (Server-Sent Events) streams.',
    registers,
    collect() {
      this.set(openStreams());
    },
  });
  new prom.Gauge({
    name: 'syncline_websocket_connections',
    help: 'Open WebSocket connections (/v1/socket), authenticated or still authenticating.',
    registers,
    collect() {
      this.set(openSockets());
    },
  });
  new prom.Gauge({
    name: 'syncline_scope_version',
    help: 'Latest committed version per scope seen by this server (its own commits and, with a fanout, other instances\'); at most maxScopes scopes, the most recently reported.',
    labelNames: ['scope'] as const,
    registers,
    collect() {
      // Rebuilt at scrape time so the push path only updates a Map, and evicted scopes disappear.
      this.reset();
      for (const [scope, version] of scopes.entries()) this.set({ scope }, version);
    },
  });
  return {
    request(route, status, seconds) {
      requests.inc({ route, status: String(status) });
      if (seconds !== undefined && (route === 'push' || route === 'pull')) latency[route].observe(seconds);
    },
    mutations: (outcome, count) => mutations.inc({ outcome }, count),
    conflict: (strategy, resolution) => conflicts.inc({ strategy, resolution }),
    deadLettered: () => deadLetters.inc(),
    deadLetterReplayed: (result) => replays.inc({ result }),
    effect: (outcome) => effects.inc({ outcome }),
    scopeVersion: (scope, version) => scopes.set(scope, version),
    databaseError: (operation) => databaseErrors.inc({ operation }),
  };
}
