/**
 * `syncline/server`: the reference sync server (Web Request/Response, SQLite through kysely by
 * default) and its Node adapter.
 */
export { createSyncServer } from './server/sync-server.js';
export { serveNode } from './server/node-adapter.js';
export type { ServeNodeOptions, NodeServerHandle } from './server/node-adapter.js';
export { tokenAuth } from './server/auth.js';
export { MutationRejection, isMutationRejection } from './server/mutation-rejection.js';
export { migrateToLatest } from './server/migrations.js';
export { openSqliteDatabase } from './server/sqlite-dialect.js';
export type {
  SyncServer,
  SyncServerOptions,
  AuthResult,
  Authenticate,
  CollectionPolicy,
  MutationContext,
  MutationHandler,
} from './server/types.js';
export type { ServerDatabase } from './server/schema.js';
