/**
 * Storage loss, seen from the client: the two ways unsynced writes vanish without an error.
 *
 * - **Eviction risk.** A browser may evict IndexedDB under storage pressure unless the origin's
 *   storage is persistent. The guard asks once (`navigator.storage.persist()`, through the
 *   StoragePersistence seam), reports the answer in `client.metrics().storage`, and emits
 *   `storage.at-risk` when persistence was refused and the oldest write still waiting for the server
 *   is older than `atRiskAfterMs` — once, until the backlog drains.
 * - **A wiped store.** With an `installId` kept outside the store, every push and pull carries it
 *   and the server answers `previousInstall` when this client replaced one that had mutations
 *   accepted (src/server/install-ids.ts). The guard emits `storage.lost` with the server's numbers
 *   once per lost client id — recorded in the store (`meta/storageLost`), so neither the next cycle
 *   nor the next start repeats it — and the client carries on as the new client it is.
 */
import { InvalidArgumentError } from './errors.js';
import type { SyncEvent } from './events.js';
import { positive } from './client-options.js';
import type { Logger } from './seams.js';
import { T } from './local-schema.js';
import { navigatorPersistence, type StorageMetrics, type StoragePersistence } from './storage-persistence.js';
import { INSTALL_ID, previousInstall as previousInstallSchema, type PreviousInstall } from '../protocol/wire-install.js';
import { describeIssues } from '../protocol/wire.js';
import type { Store } from '../stores/store.js';
import type { Transport } from '../transport/transport.js';

export interface StorageOptions {
  /**
   * An id for this device that the app keeps **outside** the local store (localStorage, a cookie,
   * React Native secure storage; e.g. a UUID made once), 8-128 characters of `[A-Za-z0-9_-]`. Sent
   * on every push and pull so the server can tell when this store was wiped after it had accepted
   * mutations from it: the client then emits `storage.lost` with what the server knows. Give each
   * local database its own. Needs a server that knows the field (older ones answer 400).
   */
  installId?: string;
  /**
   * How to ask the platform to keep the store (default: `navigator.storage` where there is one,
   * else unknown). `false`: do not ask; `metrics().storage.persisted` stays 'unknown'.
   */
  persistence?: StoragePersistence | false;
  /**
   * Emit `storage.at-risk` when persistence was refused and a write has waited for the server longer
   * than this (ms). Default 86 400 000 (a day).
   */
  atRiskAfterMs?: number;
}

/** What the client needs of a storage guard (the `storage` client option). */
export interface StorageWatch {
  metrics(): StorageMetrics;
  /** The transport the client syncs through: the app's, or one that adds to it. */
  wrap(transport: Transport): Transport;
}

export type StorageWatchFactory = (host: StorageGuardHost) => StorageWatch;

/**
 * Watch for storage loss: ask for persistent storage, report `storage.at-risk` and `storage.lost`.
 * A separate function rather than built in, so a web app that does not use it does not download it.
 *
 * @example
 * let installId = localStorage.getItem('installId');
 * if (installId === null) localStorage.setItem('installId', (installId = crypto.randomUUID()));
 * const client = await createClient({ store, transport, storage: watchStorage({ installId }) });
 * client.on('storage.lost', (e) => report(`unsynced writes after mutation ${e.previous.lastMutationId} were lost`));
 */
export function watchStorage(options: StorageOptions = {}): StorageWatchFactory {
  const installId = checkInstallId(options.installId);
  const atRiskAfterMs = positive(options.atRiskAfterMs, DEFAULT_AT_RISK_AFTER_MS, 'storage.atRiskAfterMs');
  return (host) => new StorageGuard(host, installId, atRiskAfterMs, options.persistence);
}

export const DEFAULT_AT_RISK_AFTER_MS = 24 * 60 * 60 * 1000;

/** Meta key: the lost client id `storage.lost` was last emitted for. */
export const STORAGE_LOST_KEY = 'storageLost';

export interface StorageGuardHost {
  store: Store;
  clientId: string;
  logger: Logger;
  emit(event: SyncEvent): void;
  subscribe(listener: (event: SyncEvent) => void): () => void;
}

/** The app's `installId` option, checked: the rule of the wire field. */
export function checkInstallId(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !INSTALL_ID.test(value)) {
    throw new InvalidArgumentError(`installId must be 8-128 characters of [A-Za-z0-9_-] (e.g. a UUID kept in localStorage), got ${JSON.stringify(value)}.`);
  }
  return value;
}

export class StorageGuard implements StorageWatch {
  readonly #host: StorageGuardHost;
  readonly #installId: string | undefined;
  readonly #atRiskAfterMs: number;
  #persisted: boolean | 'unknown' = 'unknown';
  #atRiskReported = false;
  /** Lost client ids already handled (or being handled) by this instance. */
  readonly #lostSeen = new Set<string>();

  constructor(host: StorageGuardHost, installId: string | undefined, atRiskAfterMs: number, persistence: StoragePersistence | false | undefined) {
    this.#host = host;
    this.#installId = installId;
    this.#atRiskAfterMs = atRiskAfterMs;
    // Lives as long as the client's emitter: close() clears every listener, this one too.
    host.subscribe((event) => this.#onEvent(event));
    if (persistence !== false) void this.#askPersistence(persistence ?? navigatorPersistence());
  }

  /** 'unknown' until the platform answered (a browser prompt may take a while). */
  metrics(): StorageMetrics {
    return { persisted: this.#persisted };
  }

  /** The transport with `installId` on every push and pull, watching for `previousInstall`. */
  wrap(transport: Transport): Transport {
    const installId = this.#installId;
    if (installId === undefined) return transport;
    const wrapped: Transport = {
      push: async (request, options) => this.#seen(await transport.push({ ...request, installId }, options)),
      pull: async (request, options) => this.#seen(await transport.pull({ ...request, installId }, options)),
      health: (options) => transport.health(options),
      stats: () => transport.stats(),
    };
    const { hasCredentials, close } = transport;
    if (hasCredentials !== undefined) wrapped.hasCredentials = () => hasCredentials.call(transport);
    if (close !== undefined) wrapped.close = () => close.call(transport);
    return wrapped;
  }

  async #askPersistence(persistence: StoragePersistence): Promise<void> {
    try {
      // Ask only when not yet persistent: persist() may prompt the user.
      const already = await persistence.persisted();
      const answer = already === false ? await persistence.persist() : already;
      if (answer !== undefined) this.#persisted = answer;
    } catch (error) {
      this.#host.logger.warn('could not ask for persistent storage', { error: String(error) });
    }
  }

  #seen<R extends { previousInstall?: PreviousInstall | undefined }>(response: R): R {
    if (response.previousInstall === undefined) return response;
    const parsed = previousInstallSchema.safeParse(response.previousInstall);
    if (!parsed.success) {
      // The response's other fields were checked and are fine: only this report is unusable.
      this.#host.logger.warn('ignored a malformed previousInstall from the server', { issues: describeIssues(parsed.error) });
      return response;
    }
    const previous = parsed.data;
    if (!this.#lostSeen.has(previous.clientId)) {
      this.#lostSeen.add(previous.clientId);
      this.#reportLost(previous).catch((error: unknown) => {
        this.#lostSeen.delete(previous.clientId); // try again on the next response
        this.#host.logger.warn('could not record a lost local store', { error: String(error) });
      });
    }
    return response;
  }

  async #reportLost(previous: PreviousInstall): Promise<void> {
    const fresh = await this.#host.store.write(async (tx) => {
      if ((await tx.get(T.meta, STORAGE_LOST_KEY)) === previous.clientId) return false;
      await tx.put(T.meta, STORAGE_LOST_KEY, previous.clientId);
      return true;
    });
    if (!fresh) return;
    this.#host.logger.warn('the local store was lost: the server had accepted mutations from an earlier client of this install', { ...previous });
    this.#host.emit({ type: 'storage.lost', installId: this.#installId ?? '', clientId: this.#host.clientId, previous: { ...previous } });
  }

  #onEvent(event: SyncEvent): void {
    if (event.type === 'metrics.updated') this.#checkRisk(event.metrics.pending, event.metrics.oldestPendingAgeMs);
    else if (event.type === 'sync.stalled') this.#checkRisk(event.pending, event.oldestPendingAgeMs);
  }

  #checkRisk(pending: number, oldestPendingAgeMs: number | undefined): void {
    if (pending === 0) this.#atRiskReported = false;
    if (this.#persisted !== false || this.#atRiskReported || oldestPendingAgeMs === undefined || oldestPendingAgeMs < this.#atRiskAfterMs) return;
    this.#atRiskReported = true;
    this.#host.emit({ type: 'storage.at-risk', pending, oldestPendingAgeMs, thresholdMs: this.#atRiskAfterMs });
  }
}
