/**
 * `ProgressiveSyncEngine`: the API named in the seed document, as a thin facade over
 * `SynclineClient`. The phases (validate → prepare → execute → verify → cleanup), checkpoints,
 * priorities and cancellation are the client's; this class only translates option and result shapes.
 */
import type { SynclineClient, SyncRequest } from '../core/client.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { SyncCycleResult, SyncEvent } from '../core/events.js';
import type { SyncHandle, SyncPriority } from '../core/sync-queue.js';
import { META, T, parseOutboxEntry } from '../core/local-schema.js';
import { PROTOCOL_VERSION } from '../protocol/wire.js';

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
  readonly #client: SynclineClient;
  readonly #active = new Set<SyncHandle>();
  #ready = false;

  constructor(client: SynclineClient) {
    this.#client = client;
  }

  /** Reads the local state once, so a damaged database fails here rather than mid-sync. */
  async initialize(): Promise<void> {
    await this.#client.pendingCount();
    await this.#client.cursor();
    this.#ready = true;
  }

  async executeSync(options: SyncOptions = {}): Promise<SyncResult> {
    if (!this.#ready) await this.initialize();
    const operation = options.operation ?? 'delta';
    if (operation !== 'delta' && operation !== 'full') throw new InvalidArgumentError(`operation must be 'delta' or 'full', got ${String(operation)}.`);
    if (options.strategy !== undefined && options.strategy !== 'batched') {
      throw new InvalidArgumentError(`strategy must be 'batched' (batch sizes come from the planner), got ${String(options.strategy)}.`);
    }
    if (operation === 'full') await this.#client.resetCursor();
    const request: SyncRequest = {
      direction: options.direction === 'bidirectional' || options.direction === undefined ? 'both' : options.direction,
      priority: options.priority === 'critical' ? 'high' : (options.priority ?? 'normal'),
      ...(options.collections === undefined ? {} : { collections: options.collections }),
    };
    const handle = this.#client.sync(request);
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
    const { entries, cursor, clientId } = await this.#readLocal();
    const byName: Record<string, number> = {};
    let total = 0;
    for (const entry of entries) {
      if (since !== undefined && entry.createdAt < since.getTime()) continue;
      byName[entry.name] = (byName[entry.name] ?? 0) + 1;
      total += 1;
    }
    let remoteChanges: boolean | undefined;
    try {
      const page = await this.#client.transport.pull({ v: PROTOCOL_VERSION, clientId, cursor, limit: 1 });
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

  /** `sync.started`, `sync.phase`, `sync.progress`, `sync.completed`, `sync.failed`. */
  on<K extends EngineEvent['type']>(type: K, listener: (data: Extract<EngineEvent, { type: K }>) => void): () => void {
    return this.#client.on(type, listener as never);
  }

  async #readLocal() {
    return this.#client.store.read(async (tx) => {
      const rows = await tx.scan(T.outbox);
      const cursor = await tx.get(T.meta, META.cursor);
      return {
        entries: rows.map(([k, raw]) => parseOutboxEntry(raw, `outbox/${k}`)),
        cursor: typeof cursor === 'number' ? cursor : 0,
        clientId: this.#client.clientId,
      };
    });
  }
}
