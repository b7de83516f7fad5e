/**
 * `ProgressiveSyncEngine`: the API named in the seed document, as a thin facade over
 * `SynclineClient`. The phases (validate → prepare → execute → verify → cleanup), checkpoints,
 * priorities and cancellation are the client's; this class only translates option and result shapes.
 *
 * Its client is the one passed to the constructor, or else the default client registered with
 * `setDefaultClient` at the time of each call (so an engine created before the app opened its client
 * works once the client is registered). Without either, calls fail with a `NoClientError` saying so.
 *
 * @example
 * setDefaultClient(await createClient({ store, transport }));
 * const engine = new ProgressiveSyncEngine();
 * const result = await engine.executeSync({ operation: 'delta', priority: 'high' });
 */
import type { SynclineClient, SyncRequest } from '../core/client.js';
import type { SyncCycleResult, SyncEvent } from '../core/events.js';
import type { SyncHandle, SyncPriority } from '../core/sync-queue.js';
import { META, T, parseOutboxEntry } from '../core/local-schema.js';
import { PROTOCOL_VERSION } from '../protocol/wire.js';
import { resolveClient } from './default-client.js';
import { checkSyncOptions } from './sync-options.js';

export interface SyncOptions {
  /** 'delta' pulls what changed since the last sync; 'full' re-downloads the whole scope. */
  operation?: 'delta' | 'full';
  direction?: 'push' | 'pull' | 'bidirectional';
  /** Requests are always batched (sizes from the planner); the only accepted value is 'batched'. */
  strategy?: 'batched';
  priority?: SyncPriority | 'critical';
  collections?: readonly string[];
}

export interface SyncResult extends SyncCycleResult {
  success: boolean;
  operation: 'delta' | 'full';
}

export interface DeltaCalculationResult {
  /** Pending local mutations (made since `since`, when given), by name. */
  local: { total: number; byName: Record<string, number> };
  /** Whether the server has changes this client has not pulled; undefined when it could not be asked. */
  remoteChanges: boolean | undefined;
  cursor: number;
}

type EngineEvent = Extract<SyncEvent, { type: `sync.${string}` }>;

export class ProgressiveSyncEngine {
  readonly #injected: SynclineClient | undefined;
  readonly #active = new Set<SyncHandle>();
  /** The client `initialize()` last checked (the default may change between calls). */
  #readyFor: SynclineClient | undefined;

  /** `client`: the client to drive; omit it to use the one registered with `setDefaultClient`. */
  constructor(client?: SynclineClient) {
    this.#injected = client;
  }

  /** The client the next call would use (throws `NoClientError` when there is none). */
  get client(): SynclineClient {
    return resolveClient(this.#injected, 'ProgressiveSyncEngine');
  }

  /** Reads the local state once, so a damaged database fails here rather than mid-sync. */
  async initialize(): Promise<void> {
    const client = this.client;
    await client.pendingCount();
    await client.cursor();
    this.#readyFor = client;
  }

  async executeSync(options: SyncOptions = {}): Promise<SyncResult> {
    checkSyncOptions(options);
    const client = this.client;
    if (this.#readyFor !== client) await this.initialize();
    const operation = options.operation ?? 'delta';
    if (operation === 'full') await client.resetCursor();
    const request: SyncRequest = {
      direction: options.direction === 'bidirectional' || options.direction === undefined ? 'both' : options.direction,
      priority: options.priority === 'critical' ? 'high' : (options.priority ?? 'normal'),
      ...(options.collections === undefined ? {} : { collections: options.collections }),
    };
    const handle = client.sync(request);
    this.#active.add(handle);
    try {
      const result = await handle;
      return { ...result, success: result.outcome === 'completed', operation };
    } finally {
      this.#active.delete(handle);
    }
  }

  /** Pending local work, and (one small request) whether the server has anything new. */
  async calculateDeltas(since?: Date): Promise<DeltaCalculationResult> {
    const client = this.client;
    const { entries, cursor, clientId } = await readLocal(client);
    const byName: Record<string, number> = {};
    let total = 0;
    for (const entry of entries) {
      if (since !== undefined && entry.createdAt < since.getTime()) continue;
      byName[entry.name] = (byName[entry.name] ?? 0) + 1;
      total += 1;
    }
    let remoteChanges: boolean | undefined;
    try {
      const page = await client.transport.pull({ v: PROTOCOL_VERSION, clientId, cursor, limit: 1 });
      remoteChanges = page.changes.length > 0;
    } catch {
      remoteChanges = undefined; // offline or refused: unknown, not "no changes"
    }
    return { local: { total, byName }, remoteChanges, cursor };
  }

  /** Cancel a running or queued sync started through this engine, by the syncId of its events. */
  async cancelSync(syncId: string): Promise<boolean> {
    for (const handle of this.#active) {
      if (handle.syncId === syncId) return handle.cancel();
    }
    return false;
  }

  /**
   * `sync.started`, `sync.phase`, `sync.progress`, `sync.completed`, `sync.failed` of the client
   * used now (a listener stays with that client, even if another is registered as default later).
   */
  on<K extends EngineEvent['type']>(type: K, listener: (data: Extract<EngineEvent, { type: K }>) => void): () => void {
    return this.client.on(type, listener as never);
  }
}

async function readLocal(client: SynclineClient) {
  return client.store.read(async (tx) => {
    const rows = await tx.scan(T.outbox);
    const cursor = await tx.get(T.meta, META.cursor);
    return {
      entries: rows.map(([k, raw]) => parseOutboxEntry(raw, `outbox/${k}`)),
      cursor: typeof cursor === 'number' ? cursor : 0,
      clientId: client.clientId,
    };
  });
}
