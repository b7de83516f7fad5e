/**
 * The syncline client: collections and named mutations over a local store, an outbox drained to the
 * server exactly once and in order, and pulls of what changed. Platform-neutral: everything platform-
 * specific (store, transport, timers, network status, logger) is injected.
 */
import { Collection, type CollectionHost, type QueuedMutation } from './collection.js';
import type { CollectionDefinition, RecordInputOf, RecordOf } from './typed-collection.js';
import { assertShallowEnough } from './json-depth.js';
import { ClosedError, InvalidArgumentError, toSynclineError, type SynclineError } from './errors.js';

export type { ClientOptions, ClientStatus, SyncRequest, VerifyOptions } from './client-options.js';
import { Emitter } from './subscribable.js';
import type { RecordsChange, SyncCycleResult, SyncEvent, SyncEventOf, SyncEventType, SyncTrigger } from './events.js';
import { loadOrCreateIdentity, randomId } from './identity.js';
import { releaseLease } from './lease.js';
import { Leadership } from './leadership.js';
import { T, META, readNumber } from './local-schema.js';
import { listView, readConfirmed, readView } from './local-view.js';
import { Mutex } from './mutex.js';
import { appendMutation } from './outbox.js';
import { stampWrite } from './conflict-clock.js';
import { readConflictLog, type ConflictLogEntry } from './conflict-log.js';
import { clearRejections, logId, readRejections } from './rejection-log.js';
import type { RejectedMutation } from './local-schema.js';
import { defaultRetryPolicy } from './retry-policy.js';
import { alwaysOnline, silentLogger, systemTimers, type Logger, type NetworkStatus, type Timers } from './seams.js';
import { newCycleResult, runSyncCycle, type CycleContext, type SyncDirection } from './sync-cycle.js';
import { SyncQueue, type SyncHandle } from './sync-queue.js';
import { readRuns } from './run-history.js';
import { defaultPlan, type SyncPlan } from './planner.js';
import { PluginHost } from './plugins.js';
import { SyncLoop } from './sync-loop.js';
import { anySignal } from './any-signal.js';
import { DrainMonitor, type ClientMetrics } from './drain-monitor.js';
import { attachPresence } from './peers.js';
import type { PeerInfo } from '../transport/realtime-presence.js';
import type { LocalQueries, QueryMetrics } from './query-host.js';
import { withQueryIndexes } from './query-store.js';
import { loadQueryChunk } from './query-load.js';
import { forgetDefaultClient } from '../facade/default-client.js';
import {
  DEFAULT_FULL_VERIFY_INTERVAL_MS,
  DEFAULT_LEASE_MS,
  DEFAULT_VERIFY_INTERVAL_MS,
  positive,
  type ClientOptions,
  type ClientStatus,
  type SyncRequest,
} from './client-options.js';
import type { JsonObject, JsonValue } from '../protocol/json.js';
import { describeIssues, jsonValue } from '../protocol/wire.js';
import type { Store } from '../stores/store.js';
import type { Transport } from '../transport/transport.js';

/** Plan knobs an app can pin with a client option of the same name. */
const PINNABLE = ['pushBatchSize', 'pullPageSize', 'requestTimeoutMs', 'concurrency'] as const;

export async function createClient(options: ClientOptions): Promise<SynclineClient> {
  const clientId = await loadOrCreateIdentity(options.store);
  return new SynclineClient(options, clientId);
}

export class SynclineClient {
  readonly clientId: string;
  readonly #o: ClientOptions;
  readonly #events = new Emitter<SyncEvent>();
  readonly #cycles = new Mutex();
  readonly #holder = randomId(12);
  readonly #timers: Timers;
  readonly #network: NetworkStatus;
  readonly #logger: Logger;
  readonly #loop: SyncLoop | undefined;
  readonly #ctx: CycleContext;
  readonly #abort = new AbortController();
  #status: ClientStatus;
  readonly #queue: SyncQueue;
  /** Knobs the app set explicitly; they override the planner. */
  readonly #pinned: Partial<SyncPlan>;
  #closed = false;
  #stopTabs: (() => void) | undefined;
  #stopPokes: (() => void) | undefined;
  #stopPresence: (() => void) | undefined;
  /** The cursor after the last cycle (a hint for pokes; the store holds the truth). */
  #knownCursor = 0;
  #lastVerifyAt: number | undefined;
  /** Undefined until this client's first full recount: the first verifying cycle after open does one. */
  #lastFullVerifyAt: number | undefined;
  #syncSeq = 0;
  readonly #monitor: DrainMonitor;
  readonly #leadership: Leadership;
  /** Loaded on the first query (a lazy chunk: a client that never queries does not carry it). */
  #queries: Promise<LocalQueries> | undefined;
  readonly #queryMetrics: QueryMetrics = { queryScans: 0, queryIndexed: 0 };

  /** Use `createClient`; the constructor expects an already loaded clientId. */
  constructor(clientOptions: ClientOptions, clientId: string) {
    this.clientId = clientId;
    // Every write transaction of this client keeps the declared query indexes in step.
    const options = { ...clientOptions, store: withQueryIndexes(clientOptions.store, clientOptions.indexes) };
    this.#o = options;
    this.#timers = options.timers ?? systemTimers;
    this.#network = options.network ?? alwaysOnline;
    this.#logger = options.logger ?? silentLogger;
    this.#status = { online: this.#network.isOnline(), syncing: false, lastError: undefined, lastSyncAt: undefined };
    const pinned: Partial<SyncPlan> = {};
    for (const knob of PINNABLE) if (options[knob] !== undefined) pinned[knob] = positive(options[knob], 0, knob);
    this.#pinned = pinned;
    const host = { store: options.store, clientId, timers: this.#timers, logger: this.#logger, emit: (e: SyncEvent) => this.#emit(e), subscribe: (l: (e: SyncEvent) => void) => this.#events.subscribe(l) };
    const storage = options.storage?.(host);
    this.#ctx = {
      store: options.store,
      plugins: new PluginHost(options.plugins),
      transport: storage?.wrap(options.transport) ?? options.transport,
      clientId,
      ...defaultPlan,
      historyLimit: positive(options.historyLimit, 50, 'historyLimit'),
      verify: options.verify !== false,
      fullVerify: false,
      collections: undefined,
      now: () => this.#timers.now(),
      emit: host.emit,
      progress: () => undefined,
    };
    this.#leadership = new Leadership({ store: options.store, holder: this.#holder, timers: this.#timers, ttlMs: positive(options.leaseMs, DEFAULT_LEASE_MS, 'leaseMs'), lock: options.leaderLock });
    this.#queue = options.queue ?? new SyncQueue();
    this.#stopTabs = this.#listenToTabs();
    this.#stopPokes = this.#o.realtime?.subscribe((poke) => {
      // Pokes at or below what this client already pulled (its own writes echoed back) need no cycle.
      if (!this.#closed && poke.version > this.#knownCursor) this.#loop?.kick('poke');
    });
    this.#stopPresence = attachPresence(options.realtime?.presence, { store: options.store, clientId, timers: this.#timers, emit: host.emit, subscribe: host.subscribe });
    const redrive = (): boolean => {
      if (this.#loop === undefined || this.#closed) return false;
      this.#loop.kick('watchdog');
      return true;
    };
    this.#monitor = new DrainMonitor({ ...host, redrive, storage }, options.watchdog);
    if (options.autoSync === false) {
      this.#loop = undefined;
      return;
    }
    this.#loop = new SyncLoop({
      timers: this.#timers,
      network: this.#network,
      retry: { ...defaultRetryPolicy, ...options.retry },
      random: options.random ?? Math.random,
      intervalMs: options.pullIntervalMs ?? 30_000,
      runCycle: (trigger, signal) => this.#request(trigger, { priority: trigger === 'interval' ? 'low' : 'normal' }, signal).result,
      onFailure: (error, retryInMs) => this.#reportFailure(error, retryInMs),
      onOnlineChange: (online) => {
        this.#status = { ...this.#status, online };
        this.#emit({ type: 'online.changed', online });
      },
    });
    this.#loop.kick('start');
  }

  /** The local store this client works on. Write to it only through the client. */
  get store(): Store {
    return this.#o.store;
  }

  /** The transport this client syncs through. */
  get transport(): Transport {
    return this.#o.transport;
  }

  /**
   * A collection by name (records typed as `R`, unchecked), or by a `defineCollection` definition:
   * typed from its schema, and every write validated locally before it is queued.
   */
  collection<D extends CollectionDefinition>(definition: D): Collection<RecordOf<D>, RecordInputOf<D>>;
  collection<R extends JsonObject = JsonObject>(name: string): Collection<R>;
  collection(nameOrDefinition: string | CollectionDefinition): Collection {
    if (typeof nameOrDefinition === 'string') return new Collection(this.#host, nameOrDefinition);
    return new Collection(this.#host, nameOrDefinition.name, nameOrDefinition.schema);
  }

  /**
   * Queue a named server-side mutation (e.g. `receipts.create`). Its optimistic effect comes from the
   * mutator registered under the same name, if any. Resolves once the mutation is durable locally.
   */
  async mutate(name: string, args: JsonValue): Promise<QueuedMutation> {
    this.#assertOpen();
    if (name === 'put' || name === 'patch' || name === 'delete' || name === 'increment') {
      throw new InvalidArgumentError(`"${name}" is a generic record operation; use collection(...).${name}() instead.`);
    }
    assertShallowEnough(args, 'Mutation args');
    const parsed = jsonValue.safeParse(args);
    if (!parsed.success) throw new InvalidArgumentError(`Mutation args must be JSON: ${describeIssues(parsed.error)}.`);
    const mutator = this.#o.mutators?.[name];
    const entry = await this.#o.store.write(async (tx) => {
      const ops = mutator === undefined ? [] : await mutator(parsed.data, { get: (c, k) => readView(tx, c, k) });
      return appendMutation(tx, { name, args: parsed.data, ops, createdAt: this.#timers.now() });
    });
    this.#afterLocalWrite(entry.id, name, entry.ops);
    return { mutationId: entry.id };
  }

  /**
   * Request a sync cycle: push what is pending, then pull until current (or one `direction`; or only
   * some `collections` — a quick refresh that does not move the cursor). Requests are queued by
   * `priority` and identical queued requests are merged. The handle can be awaited for the result
   * (it rejects with the failure), watched (`progress()`), and cancelled (`cancel()`).
   */
  sync(request: SyncRequest = {}): SyncHandle {
    this.#assertOpen();
    const handle = this.#request('manual', request, request.signal);
    handle.result.catch((raw: unknown) => {
      if (handle.state !== 'cancelled') this.#reportFailure(toSynclineError(raw, 'The sync cycle failed'), undefined);
    });
    return handle;
  }

  /**
   * Forget the pull cursor so the next cycle re-downloads the whole scope (a full sync). Confirmed
   * records stay visible meanwhile and are overwritten page by page; pending mutations are kept.
   */
  async resetCursor(): Promise<void> {
    this.#assertOpen();
    await this.#o.store.write((tx) => tx.put(T.meta, META.cursor, 0));
  }

  /** The most recent sync cycles, newest first (kept in the store; see `historyLimit`). */
  async history(limit = 20): Promise<SyncCycleResult[]> {
    return this.#o.store.read((tx) => readRuns(tx, limit));
  }

  /** Drain analytics (outbox size, oldest pending age, time to drain, last success, …); see `DrainMetrics`. */
  async metrics(): Promise<ClientMetrics & QueryMetrics> {
    return { ...(await this.#monitor.metrics()), ...this.#queryMetrics };
  }

  /**
   * Ask the background loop for a cycle now, cutting short any backoff wait — e.g. after the app
   * supplied fresh credentials following `auth.failed`. Does nothing when autoSync is off.
   */
  requestSync(): void {
    this.#assertOpen();
    this.#loop?.kick('manual');
  }

  subscribe(listener: (event: SyncEvent) => void): () => void {
    return this.#events.subscribe(listener);
  }

  /** Subscribe to one event type. */
  on<K extends SyncEventType>(type: K, listener: (event: SyncEventOf<K>) => void): () => void {
    return this.#events.subscribe((event) => {
      if (event.type === type) listener(event as SyncEventOf<K>);
    });
  }

  /**
   * The scope's devices as the server last listed them (this one included), each with `online`,
   * cursor, backlog, oldest pending age and `lastSeen`. Undefined when presence is unavailable: no
   * realtime channel with `presence: true`, pokes over SSE or interval pulls, or the socket not (yet)
   * connected — never an empty list standing in for "unknown". Changes come as `peers.changed`.
   */
  peers(): PeerInfo[] | undefined {
    return this.#o.realtime?.presence?.peers();
  }

  status(): ClientStatus {
    return this.#status;
  }

  /** Mutations not yet settled (queued, or applied but not yet pulled back). */
  async pendingCount(): Promise<number> {
    return this.#o.store.read((tx) => tx.count(T.outbox));
  }

  /** The pull cursor: the server version this client's confirmed state corresponds to. */
  async cursor(): Promise<number> {
    return this.#o.store.read(async (tx) => readNumber(await tx.get(T.meta, META.cursor), 0, 'meta/cursor'));
  }

  /**
   * The local conflict log, oldest first: conflicts the server reported for this database's writes
   * and how they were resolved (the most recent 500 are kept). `after` is an entry's `seq`.
   */
  async conflicts(options: { limit?: number; after?: number } = {}): Promise<ConflictLogEntry[]> {
    return this.#o.store.read((tx) => readConflictLog(tx, options));
  }

  /**
   * The rejected-mutations log, oldest first: mutations the server refused for good, with its code
   * and message (the same as the `mutation.rejected` event), shared by every tab and process on this
   * database. The most recent 1000 are kept (DEFAULT_REJECTION_LOG_LIMIT). `after` is an entry's id;
   * `limit` defaults to 100.
   */
  async rejectedMutations(options: { limit?: number; after?: number } = {}): Promise<RejectedMutation[]> {
    const limit = options.limit === undefined ? undefined : positive(options.limit, 0, 'limit');
    const after = options.after === undefined ? 0 : logId(options.after, 'after');
    return this.#o.store.read((tx) => readRejections(tx, { after, ...(limit === undefined ? {} : { limit }) }));
  }

  /** Drop log entries with id <= `throughId`, e.g. once the app has shown them; returns how many went. */
  async clearRejectedMutations(throughId: number): Promise<number> {
    this.#assertOpen();
    const through = logId(throughId, 'throughId');
    return this.#o.store.write((tx) => clearRejections(tx, through));
  }

  /** Stop background work, wait for a running cycle, release the lease; close the store if owned. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    forgetDefaultClient(this); // a closed client must not stay the facades' default (setDefaultClient)
    this.#abort.abort(new ClosedError('client'));
    this.#monitor.close();
    await this.#loop?.close();
    await this.#cycles.drain();
    await releaseLease(this.#o.store, this.#holder).catch(() => undefined);
    this.#stopTabs?.();
    this.#stopPokes?.();
    this.#stopPresence?.();
    this.#events.clear();
    if (this.#o.closeStore !== false) await this.#o.store.close();
  }

  readonly #host: CollectionHost = {
    readView: (c, k) => this.#o.store.read((tx) => readView(tx, c, k)),
    listView: (c) => this.#o.store.read((tx) => listView(tx, c)),
    query: async (c, q) => {
      this.#queries ??= loadQueryChunk().then((m) => new m.LocalQueries(this.#o.indexes, this.#queryMetrics));
      return (await this.#queries).run(this.#o.store, c, q);
    },
    reportError: (what, error) => this.#logger.error(what, { error: String(error) }),
    queueRecordWrite: async (name, collection, key, build) => {
      this.#assertOpen();
      const entry = await this.#o.store.write(async (tx) => {
        const current = await readView(tx, collection, key);
        const baseVersion = (await readConfirmed(tx, collection, key))?.version ?? null;
        const hlc = await stampWrite(tx, this.clientId, this.#timers.now());
        const { args, op } = build({ baseVersion, current, hlc });
        return appendMutation(tx, { name, args: args as unknown as JsonValue, ops: [op], createdAt: this.#timers.now() });
      });
      this.#afterLocalWrite(entry.id, name, entry.ops);
      return { mutationId: entry.id };
    },
    subscribeRecords: (listener) =>
      this.#events.subscribe((event) => {
        if (event.type !== 'records.changed') return;
        for (const change of event.changes) listener({ ...change, source: event.source });
      }),
  };

  #afterLocalWrite(id: number, name: string, ops: ReadonlyArray<{ collection: string; key: string }>): void {
    this.#emit({ type: 'mutation.queued', id, name });
    const changes = new Map<string, string[]>();
    for (const op of ops) changes.set(op.collection, [...(changes.get(op.collection) ?? []), op.key]);
    if (changes.size > 0) {
      const list: RecordsChange[] = [...changes].map(([collection, keys]) => ({ collection, keys }));
      this.#emit({ type: 'records.changed', source: 'local', changes: list });
    }
    this.#loop?.kick('local-write');
    // The leader may be another tab: ask it to sync (it ignores the request while it backs off).
    this.#o.tabs?.post({ v: 1, type: 'sync.requested' });
  }

  #request(trigger: SyncTrigger, request: SyncRequest, extra: AbortSignal | undefined): SyncHandle {
    const direction = request.direction ?? 'both';
    const collections = request.collections === undefined ? undefined : [...new Set(request.collections)].sort();
    for (const c of collections ?? []) this.collection(c); // validates the name
    if (request.verify !== undefined && request.verify !== 'full') {
      throw new InvalidArgumentError(`sync({ verify }) accepts only 'full', got ${JSON.stringify(request.verify)}.`);
    }
    const full = request.verify === 'full';
    const key = `${this.clientId}|${direction}|${collections?.join(',') ?? '*'}${full ? '|full' : ''}`;
    return this.#queue.enqueue(key, request.priority ?? 'normal', (handle) => {
      const signals = [this.#abort.signal, handle.signal, ...(extra === undefined ? [] : [extra])];
      return this.#cycles.run(() => this.#cycle(trigger, direction, collections, full, anySignal(signals), handle));
    });
  }

  async #cycle(
    trigger: SyncTrigger,
    direction: SyncDirection,
    collections: string[] | undefined,
    fullRequested: boolean,
    signal: AbortSignal,
    handle: SyncHandle,
  ): Promise<SyncCycleResult> {
    const syncId = `${this.#holder}-${++this.#syncSeq}`;
    const result = newCycleResult(syncId, trigger, direction, this.#timers.now());
    handle.markStarted(syncId);
    // Skipped for another holder: a client with a loop and writes waiting runs a 'takeover' cycle
    // as soon as the holder is gone (lock freed, lease lapsed), not at its next pull interval.
    const term = await this.#leadership.take(this.#loop && (() => this.#loop?.kick('takeover')), () => this.pendingCount(), this.#abort.signal);
    if (term === undefined) return { ...result, skipped: true };
    this.#status = { ...this.#status, syncing: true, lastSyncId: syncId };
    try {
      this.#emit({ type: 'sync.started', syncId, trigger });
      const plan = { ...defaultPlan, ...this.#o.planner?.plan(), ...this.#pinned };
      const verify = this.#verifyDue(trigger) || fullRequested;
      const fullVerify = fullRequested || this.#fullVerifyDue();
      const start = this.#o.transport.stats();
      const progress: CycleContext['progress'] = (phase, done, total) => {
        const now = this.#o.transport.stats();
        const report = { phase, done, total, bytesUp: now.bytesSent - start.bytesSent, bytesDown: now.bytesReceived - start.bytesReceived };
        handle.reportProgress(report);
        this.#emit({ type: 'sync.progress', syncId, ...report });
      };
      await runSyncCycle({ ...this.#ctx, ...plan, collections, progress, verify, fullVerify }, result, anySignal([signal, term.lost]));
      if (result.verify.status !== 'skipped') this.#lastVerifyAt = this.#timers.now();
      if (result.verify.full === true) this.#lastFullVerifyAt = this.#timers.now();
      if (result.direction !== 'push') this.#knownCursor = Math.max(this.#knownCursor, result.cursor);
      this.#status = { ...this.#status, syncing: false, lastError: undefined, lastSyncAt: this.#timers.now() };
      this.#emit({ type: 'sync.completed', syncId, result });
      return result;
    } catch (raw) {
      this.#status = { ...this.#status, syncing: false };
      throw raw;
    } finally {
      await term.end();
    }
  }

  /** App-requested cycles always verify; background ones at most every verify interval. */
  #verifyDue(trigger: SyncTrigger): boolean {
    const option = this.#o.verify ?? true;
    if (option === false) return false;
    const interval = option === true ? DEFAULT_VERIFY_INTERVAL_MS : positive(option.intervalMs, DEFAULT_VERIFY_INTERVAL_MS, 'verify.intervalMs');
    return trigger === 'manual' || this.#lastVerifyAt === undefined || this.#timers.now() - this.#lastVerifyAt >= interval;
  }

  /** The first verify after open recounts every record, and so does one at most every full interval. */
  #fullVerifyDue(): boolean {
    const option = this.#o.verify ?? true;
    const interval = typeof option === 'object' ? positive(option.fullIntervalMs, DEFAULT_FULL_VERIFY_INTERVAL_MS, 'verify.fullIntervalMs') : DEFAULT_FULL_VERIFY_INTERVAL_MS;
    return this.#lastFullVerifyAt === undefined || this.#timers.now() - this.#lastFullVerifyAt >= interval;
  }

  #reportFailure(error: SynclineError, retryInMs: number | undefined): void {
    const syncId = this.#status.lastSyncId ?? 'none';
    this.#status = { ...this.#status, lastError: error };
    this.#logger.warn('sync failed', { syncId, code: error.code, message: error.message, retryInMs });
    this.#emit({ type: 'sync.failed', syncId, error, retryInMs });
    if (error.code === 'unauthenticated') this.#emit({ type: 'auth.failed', error });
  }

  #emit(event: SyncEvent, fromOtherTab = false): void {
    this.#events.emit(event, (error) => this.#logger.error('an event listener threw', { type: event.type, error: String(error) }));
    if (event.type === 'records.changed' && !fromOtherTab) this.#o.tabs?.post({ v: 1, type: 'records.changed', source: event.source, changes: event.changes });
  }

  /** Other tabs on this database: show what they changed, and sync for them when this tab leads. */
  #listenToTabs(): (() => void) | undefined {
    return this.#o.tabs?.subscribe((message) => {
      if (this.#closed) return;
      if (message.type === 'records.changed') this.#emit({ type: 'records.changed', source: message.source, changes: message.changes }, true);
      else this.#loop?.kick('local-write');
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError('client');
  }
}
