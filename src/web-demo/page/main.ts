/**
 * The web till's page: a point-of-sale on IndexedDB that syncs through syncline. Each till is a
 * device of its own (`?till=2` opens a second one, with its own database and outbox); tabs of the
 * same till share one outbox. Served and bundled by `syncline web-demo` (src/web-demo/server.ts).
 */
import { createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import { broadcastTabChannel, browserNetworkStatus, createClient, createHttpTransport, createNetworkMonitor, createSsePokes } from '../../index.js';
import { openIndexedDbStore } from '../../indexeddb.js';
import { receiptMutators } from '../../receipts.js';
import { SynclineProvider } from '../../react.js';
import { createNetworkSwitch } from './network-switch.js';
import { TillApp } from './till-app.js';

const till = new URLSearchParams(location.search).get('till')?.replace(/[^\w-]/g, '').slice(0, 24) || '1';
const url = location.origin; // the demo server serves this page and the sync endpoints
const token = 'demo';
const database = `syncline-web-till-${till}`;

const gate = createNetworkSwitch(`${database}:network`, browserNetworkStatus());
// The monitor measures the link from the sync's own requests (RTT, throughput, failures) and probes
// /v1/health when idle; it is the client's network status, so "offline" pauses the sync loop.
const monitor = createNetworkMonitor({ platform: gate.status, idleProbeMs: 10_000 });
const tabs = broadcastTabChannel(database); // undefined where BroadcastChannel is missing
const client = await createClient({
  store: await openIndexedDbStore(database),
  transport: monitor.measure(createHttpTransport({ url, token, fetch: gate.fetch })),
  network: monitor,
  mutators: receiptMutators,
  ...(tabs === undefined ? {} : { tabs }),
  realtime: createSsePokes({ url, token, fetch: gate.fetch, reconnectMs: 250 }),
});
monitor.startMonitoring();
document.title = `syncline till ${till}`;

createRoot(document.getElementById('root')!).render(h(SynclineProvider, { client }, h(TillApp, { till, gate, monitor })));
