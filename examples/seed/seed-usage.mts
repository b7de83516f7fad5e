// The seed document's "Usage Examples" (sync-system-summary.md), run as written against syncline.
// Every line that differs from the seed carries a "CHANGED:" comment saying why; the rest is verbatim.
// Run: `npx tsx seed-usage.mts` with a server up (`npx syncline serve --insecure-demo`).
import { createClient, createHttpTransport, createMemoryStore, setDefaultClient, SyncPlugin } from 'syncline';
import type { SyncContext, SyncCycleResult, SyncEventTypeMap } from 'syncline';
// CHANGED: the seed imports from paths inside its own app ('@/sync/sync-engine', '@/sync/network-manager-simple',
// '@/sync/background-sync'); here all three come from the package.
import { BackgroundSyncService, NetworkManager, ProgressiveSyncEngine } from 'syncline';

// CHANGED (added): the seed's "Plugin System Integration" declares `class SyncPlugin extends BasePlugin`;
// syncline exports `SyncPlugin` itself as the base class, so a plugin extends it directly.
class AuditPlugin extends SyncPlugin {
  readonly seen: string[] = [];
  override async beforeSync(context: SyncContext): Promise<void> {
    this.seen.push(`before:${context.trigger}`);
  }
  override async afterSync(result: SyncCycleResult): Promise<void> {
    this.seen.push(`after:${result.outcome}`);
  }
}

// CHANGED (added): the seed never shows where its engine's data and server come from. Register a client
// as the default, and the seed's argument-less constructors below find it.
const audit = new AuditPlugin();
const client = await createClient({
  store: createMemoryStore(),
  transport: createHttpTransport({ url: process.env.SYNCLINE_URL ?? 'http://127.0.0.1:8787', token: 'demo' }),
  plugins: [audit],
  autoSync: false, // background syncing stays off so the sync below is the one that pushes (a test checks the output)
});
setDefaultClient(client);

// CHANGED (added): the seed's `SyncEventTypeMap` ("Integration Points"): event type → what a listener gets.
const completed: Array<SyncEventTypeMap['sync.completed']['result']['outcome']> = [];
const onCompleted = (event: SyncEventTypeMap['sync.completed']): void => void completed.push(event.result.outcome);
client.on('sync.completed', onCompleted);
await client.collection('products').put('espresso', { name: 'Espresso', price: '1.20', stock: 40 });

// #### Basic Sync Operations
const syncEngine = new ProgressiveSyncEngine();
await syncEngine.initialize();

// Progressive sync with options
const result = await syncEngine.executeSync({
  operation: 'delta',
  direction: 'bidirectional',
  strategy: 'batched',
  priority: 'high',
});

// #### Network-Aware Sync
const networkManager = new NetworkManager();
networkManager.startMonitoring();

// CHANGED (added): the seed uses `syncOptions` without defining it. What optimizeForConnection takes is
// the plan values to pin (pushBatchSize, pullPageSize, requestTimeoutMs, concurrency, compress); sync
// options such as `operation` belong to executeSync and are refused here with an error saying so.
const syncOptions = { pushBatchSize: 200 };
// Optimize sync based on network conditions
const optimizedOptions = networkManager.optimizeForConnection(syncOptions);

// #### Background Sync
const backgroundSync = new BackgroundSyncService();
await backgroundSync.initialize();

// Schedule background sync
const jobId = await backgroundSync.scheduleSync(
  { operation: 'delta', priority: 'low' },
  'periodic'
);

// CHANGED (added): report what happened, and stop what was started (the periodic job's timer, the
// network monitor's probe timer, the client) so the process exits.
console.log(
  JSON.stringify({
    success: result.success,
    pushed: result.pushed.applied,
    verify: result.verify.status,
    pinnedPushBatch: optimizedOptions.pushBatchSize,
    quality: optimizedOptions.quality,
    // Nothing was measured through this manager (its `measure(transport)` wraps a transport to do so):
    // a heavy sync is "unknown" rather than a guessed yes.
    heavySync: networkManager.isSyncRecommended('heavy') ?? 'unknown',
    job: backgroundSync.jobs().find((job) => job.id === jobId)?.trigger,
    plugin: audit.seen,
    completed,
  }),
);
backgroundSync.close();
networkManager.close();
await client.close();
