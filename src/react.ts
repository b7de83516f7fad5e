/**
 * syncline/react: hooks over a client, built on React's useSyncExternalStore (no tearing under
 * concurrent rendering; listeners removed on unmount). React is an optional peer dependency: only
 * this entry imports it, never the core.
 */
export { SynclineProvider, useSyncline, MissingProviderError } from './react/context.js';
export type { SynclineProviderProps } from './react/context.js';
export { useRecord } from './react/use-record.js';
export type { CollectionRef } from './react/use-record.js';
export { useCollection } from './react/use-collection.js';
export type { RecordEntry } from './react/use-collection.js';
export { useQuery } from './react/use-query.js';
export { useSyncStatus, SERVER_SYNC_STATUS } from './react/use-sync-status.js';
export type { SyncStatus } from './react/use-sync-status.js';
export { useOutbox } from './react/use-outbox.js';
export type { OutboxState } from './react/use-outbox.js';
export { LOADING } from './react/loadable.js';
export type { Loadable } from './react/loadable.js';
