/**
 * A deliberately broken sync server, kept so that tests and the demo can show they catch what they
 * claim to catch. `reapply-resends`: a resent mutation (id <= lastMutationId) runs again instead of
 * being skipped (exactly-once broken). `out-of-order`: each slice of a push is applied backwards
 * (per-client order broken). Everything else is the real server. Never serve it to real clients.
 */
import { PUSH_FAULT } from '../server/push.js';
import type { PushFault } from '../server/push.js';
import { createSyncServer } from '../server/sync-server.js';
import type { SyncServer, SyncServerOptions } from '../server/types.js';

export type BrokenServerFault = PushFault;

export function createBrokenSyncServer(options: SyncServerOptions, fault: BrokenServerFault): SyncServer {
  return createSyncServer({ ...options, [PUSH_FAULT]: fault } as SyncServerOptions);
}
