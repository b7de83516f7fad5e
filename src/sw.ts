/**
 * `syncline/sw`: background sync that survives a closed page. `registerSynclineWorker` in the service
 * worker answers Background Sync / Periodic Background Sync by draining the outbox;
 * `registerBackgroundSync` in the page registers them where the browser has them and falls back to
 * draining from the page (online, visible, start, timer, keepalive flush on leave) where it has not.
 * Bundle the worker with the app's bundler (see examples/sw-background-sync).
 */
export { registerSynclineWorker } from './sw/worker.js';
export type { SynclineWorker, SynclineWorkerOptions, WorkerDrainReport, WorkerDrainTrigger, WorkerScopeLike, TaggedExtendableEvent } from './sw/worker.js';
export { registerBackgroundSync } from './sw/page.js';
export type { BackgroundSyncHandle, RegisterBackgroundSyncOptions, SyncRegistrationLike, PageLike } from './sw/page.js';
export { flushOutbox, PreparedFlush, readFlushRequest, KEEPALIVE_MAX_BYTES, DEFAULT_FLUSH_MAX_BYTES } from './sw/keepalive-flush.js';
export type { FlushTarget } from './sw/keepalive-flush.js';
