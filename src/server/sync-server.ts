/**
 * `createSyncServer`: the whole server behind one Web `fetch(request)` boundary. Routing, request
 * validation and error mapping live here; push/pull semantics in push.ts and pull.ts.
 */
import { Kysely } from 'kysely';
import type { Validator } from '../protocol/issues.js';
import { silentLogger } from '../core/seams.js';
import type { Logger } from '../core/seams.js';
import { describeIssues, LIMITS, PROTOCOL_VERSION } from '../protocol/wire.js';
import { pullRequest, pushRequest } from '../protocol/wire-requests.js';
import { createScopeChangeEmitter } from './fanout.js';
import type { ScopeChange, ScopeFanout } from './fanout.js';
import { createPostgresFanout } from './fanout-postgres.js';
import { negotiateResponseEncoding } from './compression.js';
import { errorResponse, HttpError, internalError, invalidRequest, jsonResponse } from './http-errors.js';
import { InvalidArgumentError } from '../core/errors.js';
import { migrateToLatest } from './migrations.js';
import { DEFAULT_PULL_PAGE_CHARS, handlePull } from './pull.js';
import { handlePush, PUSH_FAULT, PUSH_PATH, PUSH_RUNS, pushSettings } from './push.js';
import type { PushDeps, PushFault, PushPath } from './push.js';
import { listDeadLetters } from './dead-letters/storage.js';
import { replayDeadLetter } from './dead-letters/replay.js';
import { runServerMutation, SERVER_CLIENT_ID } from './server-mutation.js';
import { DEFAULT_TOLERANCE_SECONDS, incomingWebhookRoutes } from './incoming-webhooks/route.js';
import { readJsonBody, readUncheckedJsonBody } from './read-body.js';
import { createAbuseLimits, type AbuseLimits } from './rate-limit-guards.js';
import { callerOf } from './auth.js';
import { credentialOf } from './rate-limit.js';
import { createCors } from './cors.js';
import { RECONNECT_HINT_MS, settledWithin, validateDrainMs } from './shutdown.js';
import { createRecordHandlers } from './record-mutations.js';
import { compileRules, type CompiledRules } from './rules.js';
import { pullView, ViewDigestCache } from './rules-pull.js';
import { acceptPushRequest } from './push-validation.js';
import { withPreviousInstall } from './install-ids.js';
import { ClientPushQueue } from './push-queue.js';
import { REFUSED_MUTATION, refusedMutationHandler, screenPushBody } from './push-door.js';
import { handleConflictsQuery } from './conflicts/route.js';
import { conflictEvents, type ServerConflictEvent } from './conflicts/server-events.js';
import { Emitter } from '../core/subscribable.js';
import { MutationRejection } from './mutation-rejection.js';
import type { ServerDatabase } from './schema.js';
import { openPostgresDatabase } from './postgres-dialect.js';
import { openSqliteDatabase } from './sqlite-dialect.js';
import { createPokeStreams, type PokeStreams } from './poke-streams.js';
import { purgeTombstones } from './tombstones.js';
import { runPurgeSchedule, validateRetention } from './tombstone-schedule.js';
import { createServerInit, initFailureToHttp, lostDatabaseToHttp } from './server-init.js';
import { createPokeReplay } from './poke-replay.js';
import { createWebSocketPokes } from './websocket-pokes.js';
import { SOCKET_PATH } from '../transport/websocket-messages.js';
import { readScopeVersion } from './storage.js';
import { instrumentServer, type Instrumentation } from './metrics/instrument.js';
import { checkReadiness } from './readiness.js';
import { recordsAsEntries, runImport } from './import-run.js';
import { createConsoleHandler } from './console/console-routes.js';
import { createConsoleSource } from './console/console-source.js';
import { createEffectsRuntime, effectWriteBack } from './effects/index.js';
import { effectOptions } from './effects/server-options.js';
import { wireWebhooks } from './webhooks/server-wiring.js';
import { startPruning } from './effects/prune.js';
import type { AuthResult, Durability, MutationHandler, SyncServer, SyncServerOptions } from './types.js';

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

interface Route {
  method: 'GET' | 'POST';
  auth: boolean;
  /** false: answer without waiting for the database (readiness and metrics must answer while it is down). */
  init?: false;
  run(request: Request, auth: AuthResult | null): Promise<Response>;
}

export function createSyncServer(options: SyncServerOptions): SyncServer {
  const logger = options.logger ?? silentLogger;
  const ownsDatabase = !(options.database instanceof Kysely);
  const durability = options.durability ?? 'durable';
  if (durability !== 'durable' && durability !== 'relaxed') throw new InvalidArgumentError(`durability must be 'durable' or 'relaxed', got ${JSON.stringify(durability)}.`);
  let db: Kysely<ServerDatabase> | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;
  // Aborted by close(): stops the scheduled purge.
  const stopping = new AbortController();
  const retention = options.tombstones === undefined ? undefined : validateRetention(options.tombstones);
  // Requests still running; close() waits for them before releasing the database under them.
  const inflight = new Set<Promise<Response>>();
  const scopeChanges = createScopeChangeEmitter(logger);
  const conflicts = new Emitter<ServerConflictEvent>();
  const onConflict = (event: ServerConflictEvent): void =>
    conflicts.emit(event, (error) => logger.error('server: a conflict listener threw', { error: String(error) }));
  const fanout = options.fanout ?? defaultFanout(options.database, logger);
  // Emitted after the commit: in process at once, to other instances through the fanout.
  const onCommitted = (change: ScopeChange): void => {
    scopeChanges.emit(change);
    fanout?.publish(change);
  };

  const database = (): Kysely<ServerDatabase> => {
    if (db === undefined) throw new Error('database not opened');
    return db;
  };
  const pokes = createPokeStreams((listener) => scopeChanges.subscribe(listener), {
    logger,
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
  });
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const instr = instrumentServer(options.metrics, { openStreams: () => pokes.size, openSockets: () => sockets.stats().sockets }, basePath);
  scopeChanges.subscribe(instr.scopeChanged);
  const sockets = createWebSocketPokes({
    path: basePath + SOCKET_PATH,
    subscribe: (listener) => scopeChanges.subscribe(listener),
    authenticate: async (request) => options.auth(request),
    readVersion: async (scope) => {
      await ready();
      return readScopeVersion(database(), scope);
    },
    logger,
    options: { ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }), ...options.websocket },
    presence: fanout?.presence,
  });
  const replay = createPokeReplay({ scopes: () => [...new Set([...pokes.scopes(), ...sockets.scopes()])], readVersion: (scope) => readScopeVersion(database(), scope), emit: (change) => scopeChanges.emit(change), logger });
  // Each step is safe to repeat, so an attempt that failed half-way is simply run again.
  const initialise = async (): Promise<void> => {
    db ??= openDatabase(options.database, durability, logger);
    const applied = await migrateToLatest(db);
    if (applied.length > 0) logger.info('server: schema migrated', { migrations: applied });
    await fanout?.start((change) => scopeChanges.emit(change), () => replay.replay());
  };
  // Each failed attempt to open/migrate counts once (requests refused during the backoff do not).
  const init = createServerInit(() => initialise().catch(instr.initFailed), logger);
  const ready = (): Promise<void> => init.ready();
  const purgeScheduleStopped = retention === undefined ? undefined : runPurgeSchedule({
    purge: async () => {
      await ready();
      return purgeTombstones(database(), { retainMs: retention.retainMs });
    },
    everyMs: retention.purgeEveryMs,
    logger,
    signal: stopping.signal,
  });
  const cors = options.cors === undefined ? undefined : createCors(options.cors);
  const rules = compileRules(options.rules);
  const handlers = buildHandlers(options, rules);
  const effects = createEffectsRuntime({ db: database, ready, options: effectOptions(options, database), logger, now: Date.now, observer: instr.effects, writeBack: effectWriteBack(() => ({ db: database(), handlers, logger, onCommitted }), Date.now) });
  // Woken by every commit this instance sees (its own, and other instances' through the fanout).
  if (effects.worker !== undefined) scopeChanges.subscribe(effects.worker.wake);
  const effectsStopped = effects.worker?.run(stopping.signal);
  const pruningStopped = startPruning(options, { db: database, ready, logger, now: Date.now, signal: stopping.signal }, DEFAULT_TOLERANCE_SECONDS);
  const outgoing = wireWebhooks(options, { handlers, db: async () => {
    await ready();
    return database();
  }, basePath, now: Date.now, wake: () => effects.worker?.wake() });
  const settings = pushSettings(options.push);
  const fault = (options as InternalOptions)[PUSH_FAULT];
  const path = (options as InternalOptions)[PUSH_PATH];
  const onSetBasedRun = (options as InternalOptions)[PUSH_RUNS];
  const pushDeps = (): PushDeps => ({
    db: database(), handlers, logger, onCommitted, observer: instr.observer, ...settings, now: Date.now,
    ...(fault === undefined ? {} : { fault }), ...(path === undefined ? {} : { path }), ...(onSetBasedRun === undefined ? {} : { onSetBasedRun }),
  });
  const abuse = createAbuseLimits(options.limits);
  const routes = buildRoutes(options, pushDeps, database, onConflict, pokes, instr, abuse, rules);
  routes.set('/v1/health/ready', { method: 'GET', auth: false, init: false, run: () => checkReadiness({ ready, database, onProbeFailed: () => instr.databaseError('probe') }) });
  // Signed, not bearer-authenticated: the signature is the sender's credential.
  const webhooks = options.incomingWebhooks === undefined ? [] : incomingWebhookRoutes(options.incomingWebhooks, { db: database, handlers, logger, onCommitted, now: Date.now, bodyTimeoutMs: abuse.bodyTimeoutMs });
  for (const [path, run] of webhooks) routes.set(path, { method: 'POST', auth: false, run: (request) => run(request) });
  if (instr.handler !== undefined) routes.set('/metrics', { method: 'GET', auth: false, init: false, run: instr.handler });
  const consoleHandler = options.console === undefined ? undefined : createConsoleHandler(options.console, basePath, createConsoleSource({
    ready,
    db: database,
    onScopeChanged: (listener) => scopeChanges.subscribe(listener),
    onConflict: (listener) => conflicts.subscribe(listener),
    replayDeadLetter: (id) => server.replayDeadLetter(id),
    effects: effects.admin,
    peers: (scope) => server.peers(scope),
    peerScopes: () => sockets.scopes(),
    now: Date.now,
    signal: stopping.signal,
  }), stopping.signal);
  const dispatcher: Dispatcher = {
    routes,
    basePath,
    auth: options.auth,
    abuse,
    ready,
    isClosed: () => closed,
    logger,
    routeFailed: instr.routeFailed,
  };

  const server: SyncServer = {
    ready,
    async fetch(request) {
      const fromConsole = consoleHandler?.(request) ?? outgoing.handler?.(request);
      if (fromConsole !== undefined) return fromConsole;
      const started = Date.now();
      const finished = instr.started(request);
      const preflight = cors?.preflight(request);
      if (preflight !== undefined) {
        finished(preflight);
        return preflight;
      }
      const handling = dispatch(request, dispatcher)
        .then((response) => negotiateResponseEncoding(request, response))
        .then((response) => cors?.decorate(request, response) ?? response);
      inflight.add(handling);
      const response = await handling.finally(() => inflight.delete(handling));
      finished(response);
      logger.debug('server: request', { method: request.method, path: new URL(request.url).pathname, status: response.status, ms: Date.now() - started });
      return response;
    },
    onScopeChanged: (listener) => scopeChanges.subscribe(listener),
    websocket: sockets,
    async purgeTombstones(options) {
      await ready();
      return purgeTombstones(database(), options);
    },
    onConflict: (listener) => conflicts.subscribe(listener),
    async deadLetters(query) {
      await ready();
      return listDeadLetters(database(), query);
    },
    async replayDeadLetter(id) {
      await ready();
      const result = await replayDeadLetter({ db: database(), handlers, logger, onCommitted, now: Date.now }, id);
      instr.replayed(result);
      return result;
    },
    effects: effects.admin,
    webhooks: outgoing.admin,
    async mutate(scope, name, args) {
      if (typeof scope !== 'string' || scope === '') throw new InvalidArgumentError(`server.mutate needs a scope (a non-empty string), got ${JSON.stringify(scope)}.`);
      await ready();
      const outcome = await runServerMutation({ db: database(), handlers, logger, onCommitted }, { scope, name, args, origin: SERVER_CLIENT_ID });
      if (outcome.status === 'rejected') return { status: 'rejected', code: outcome.code, message: outcome.message };
      return { status: 'applied', version: outcome.version, ...(outcome.status === 'applied' && outcome.result !== undefined ? { result: outcome.result } : {}) };
    },
    peers: (scope) => sockets.peers(scope),
    async importRecords(scope, records, importOptions) {
      await ready();
      return runImport({ db: database(), onCommitted, logger, now: Date.now }, scope, recordsAsEntries(records), importOptions);
    },
    close(closeOptions) {
      const drainMs = validateDrainMs(closeOptions?.drainMs);
      closing ??= (async () => {
        closed = true;
        stopping.abort();
        pokes.closeAll(RECONNECT_HINT_MS);
        sockets.closeAll();
        if (!(await settledWithin([...inflight], drainMs))) {
          logger.warn('server: requests still running at the drain deadline; closing anyway (their clients resend)', { running: inflight.size, drainMs });
        }
        await releaseResources();
      })();
      return closing;
    },
  };
  return server;

  async function releaseResources(): Promise<void> {
    await purgeScheduleStopped;
    await effectsStopped;
    await pruningStopped;
    await init.close();
    await fanout?.close();
    await replay.settled();
    if (ownsDatabase && db !== undefined) await db.destroy();
  }
}

/** The broken-server hook rides along on the options object under a symbol, outside the public type. */
type InternalOptions = SyncServerOptions & { [PUSH_FAULT]?: PushFault; [PUSH_PATH]?: PushPath; [PUSH_RUNS]?: (settled: number) => void };

function openDatabase(database: SyncServerOptions['database'], durability: Durability, logger: Logger): Kysely<ServerDatabase> {
  if (database instanceof Kysely) return database;
  if ('sqlite' in database) return openSqliteDatabase(database.sqlite, durability);
  return openPostgresDatabase({ url: database.postgres, logger, durability, ...(database.maxConnections === undefined ? {} : { maxConnections: database.maxConnections }) });
}

/** A server that opens PostgreSQL itself also listens there; otherwise changes stay in process. */
function defaultFanout(database: SyncServerOptions['database'], logger: Logger): ScopeFanout | undefined {
  if (database instanceof Kysely || !('postgres' in database)) return undefined;
  return createPostgresFanout({ url: database.postgres, logger });
}

function buildHandlers(options: SyncServerOptions, rules: CompiledRules): Map<string, MutationHandler> {
  return new Map<string, MutationHandler>(Object.entries({
    ...createRecordHandlers(options.collections ?? {}, { ruled: rules.ruled }),
    ...(options.mutations ?? {}),
    // A client replaces an outbox entry it cannot read with this, so the id is consumed, not a gap.
    'syncline.skip': () => {
      throw new MutationRejection('skipped-by-client', 'The client could not read this mutation from its local store and skipped it.');
    },
    [REFUSED_MUTATION]: refusedMutationHandler,
  }));
}

function buildRoutes(
  options: SyncServerOptions,
  pushDeps: () => PushDeps,
  database: () => Kysely<ServerDatabase>,
  onConflict: (event: ServerConflictEvent) => void,
  pokes: PokeStreams,
  instr: Instrumentation,
  abuse: AbuseLimits,
  rules: CompiledRules,
): Map<string, Route> {
  const viewDigestCache = new ViewDigestCache();
  const maxBodyBytes = options.limits?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxPullLimit = Math.min(options.limits?.maxPullLimit ?? LIMITS.maxPullLimit, LIMITS.maxPullLimit);
  const maxPullPageBytes = positiveLimit(options.limits?.maxPullPageBytes, DEFAULT_PULL_PAGE_CHARS, 'limits.maxPullPageBytes');
  const scopeOf = (auth: AuthResult | null): string => auth?.scope ?? '';
  const pushQueue = new ClientPushQueue();
  return new Map<string, Route>([
    ['/v1/health', { method: 'GET', auth: false, run: async () => jsonResponse({ v: PROTOCOL_VERSION, status: 'ok' }) }],
    ['/v1/push', {
      method: 'POST',
      auth: true,
      async run(request, auth) {
        const raw = screenPushBody(await readUncheckedJsonBody(request, maxBodyBytes, abuse.bodyTimeoutMs));
        // The hand check accepts the common valid body cheaply; anything else gets zod's verdict and message.
        const body = acceptPushRequest(raw, { guardedJson: true }) ?? parseMessage(pushRequest, raw);
        abuse.checkClient(body.clientId);
        const caller = callerOf(auth);
        const response = await pushQueue.run(body.clientId, () => handlePush({ ...pushDeps(), ...(caller === undefined ? {} : { caller, rules: rules.forCaller(caller) }) }, scopeOf(auth), body));
        instr.pushed(response);
        for (const event of conflictEvents(scopeOf(auth), body, response)) onConflict(event);
        return jsonResponse(await withPreviousInstall(database(), scopeOf(auth), body, response, Date.now()));
      },
    }],
    ['/v1/events', {
      method: 'GET',
      auth: true,
      run: (request, auth) => abuse.streams.admit(credentialOf(request) ?? '', async () => pokes.open(scopeOf(auth), await readScopeVersion(database(), scopeOf(auth)))),
    }],
    ['/v1/conflicts', {
      method: 'GET',
      auth: true,
      run: async (request, auth) => jsonResponse(await handleConflictsQuery(database(), scopeOf(auth), new URL(request.url), pullView(rules, callerOf(auth), viewDigestCache))),
    }],
    ['/v1/pull', {
      method: 'POST',
      auth: true,
      async run(request, auth) {
        const body = parseMessage(pullRequest, await readJsonBody(request, maxBodyBytes, abuse.bodyTimeoutMs));
        abuse.checkClient(body.clientId);
        const view = pullView(rules, callerOf(auth), viewDigestCache);
        const response = await handlePull(database(), scopeOf(auth), body, maxPullLimit, maxPullPageBytes, view);
        return jsonResponse(await withPreviousInstall(database(), scopeOf(auth), body, response, Date.now()));
      },
    }],
  ]);
}

interface Dispatcher {
  routes: Map<string, Route>;
  basePath: string;
  auth: SyncServerOptions['auth'];
  abuse: AbuseLimits;
  ready(): Promise<void>;
  isClosed(): boolean;
  logger: Logger;
  /** Sees a route's failure (metrics) and rethrows it. */
  routeFailed(error: unknown): never;
}

async function dispatch(request: Request, d: Dispatcher): Promise<Response> {
  try {
    const route = findRoute(request, d.routes, d.basePath);
    if (d.isClosed()) throw new HttpError(503, 'unavailable', 'The server is shutting down; retry shortly.', { retryable: true, headers: { 'retry-after': '1' } });
    // Counted before the token is verified, so a flood of bad tokens costs no verification work either.
    if (route.auth) d.abuse.checkToken(request);
    const auth = route.auth ? await authenticate(request, d.auth) : null;
    if (route.init !== false) {
      await d.ready().catch((error: unknown) => {
        throw initFailureToHttp(error);
      });
    }
    return await route.run(request, auth).catch(d.routeFailed);
  } catch (error) {
    const httpError = lostDatabaseToHttp(error) ?? (error instanceof HttpError ? error : internalError(error));
    // An unreachable database is logged once per connection attempt (server-init.ts), not per request.
    if (httpError.status >= 500 && httpError.code !== 'database-unavailable') d.logger.error('server: request failed', { url: request.url, error: describeCause(error) });
    return errorResponse(httpError);
  }
}

function findRoute(request: Request, routes: Map<string, Route>, basePath: string): Route {
  const path = new URL(request.url).pathname;
  const route = path.startsWith(basePath) ? routes.get(path.slice(basePath.length)) : undefined;
  if (route === undefined) throw new HttpError(404, 'not-found', `No endpoint at ${path}. Endpoints: ${[...routes.keys()].map((p) => basePath + p).join(', ')}.`);
  if (request.method !== route.method) {
    throw new HttpError(405, 'method-not-allowed', `${path} accepts ${route.method}, not ${request.method}.`, { headers: { allow: route.method } });
  }
  return route;
}

async function authenticate(request: Request, auth: SyncServerOptions['auth']): Promise<AuthResult> {
  const result = await auth(request);
  if (result === null) {
    throw new HttpError(401, 'unauthenticated', 'Missing or unknown credentials: send "Authorization: Bearer <token>".', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  return result;
}

/** Validate a request body; a foreign protocol version gets its own code so clients can tell. */
function parseMessage<T>(schema: Validator<T>, body: unknown): T {
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'v' in body && body.v !== PROTOCOL_VERSION) {
    throw new HttpError(400, 'unsupported-version', `v: this server speaks protocol version ${PROTOCOL_VERSION}, the request used ${JSON.stringify(body.v)}.`, {
      details: { supported: [PROTOCOL_VERSION] },
    });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw invalidRequest(`Invalid request: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

function describeCause(error: unknown): string {
  const cause = error instanceof HttpError && error.cause !== undefined ? error.cause : error;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

function positiveLimit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(`${name} must be a positive whole number of bytes, got ${String(value)}.`);
  return value;
}
